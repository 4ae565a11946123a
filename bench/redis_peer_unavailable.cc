// Built instead of redis_peer.cc when CMake did not find hiredis and libevent: the bench runs without its Redis side.
#include "bench/redis_peer.h"

namespace ketenbeeld::bench {

bool RedisPeerBuilt() { return false; }

std::unique_ptr<Peer> MakeRedisPeer(PeerOptions) { return nullptr; }

}  // namespace ketenbeeld::bench
