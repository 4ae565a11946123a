// Redis 7 (Debian's redis-server) as a peer of the benchmark, beside etcd, driven with hiredis (issue 21).
//
// The server: `redis-server` as a child on 127.0.0.1 with its own dir, `appendonly yes`, `appendfsync always` (Redis
// writes and fsyncs the AOF before it answers the commands of an event-loop round: every acknowledged write is on
// disk, as ours and etcd's are) and no RDB saves (`save ""`). Everything else is Redis's default, including the AOF
// rewrite when the file doubles (as in production).
//
// The data model, "current picture + log", and how our operations map onto Redis commands:
//   write (a registration or a status report)  one EVALSHA of a short Lua script, atomic in Redis:
//       INCR kb:revision                           the revision (gap-free, as ours and etcd's);
//       HSET kb:picture <key> <bytes>              the current picture, keys as etcd's ("organizations/<id>" and
//                                                  "organizations/<id>/status");
//       XADD kb:log <revision>-0 key <key> value <bytes> commit_us <TIME>
//                                                  the log: one stream entry per write, no MAXLEN (every entry kept),
//                                                  its id carries the revision, commit_us the server's clock when
//                                                  the script ran (before the fsync, as ours).
//     Answer: the revision. The AOF holds the script's effects as one MULTI/EXEC.
//   snapshot + feed (Subscribe)  its own connection per subscriber (like a real client): MULTI, GET kb:revision,
//       HGETALL kb:picture, EXEC (an atomic snapshot at a revision), then XREAD BLOCK 0 STREAMS kb:log <last id>
//       again and again from the last id received: like our feed, it resumes without a gap.
//   readiness probe (Start, Restart)  HGET kb:picture organizations/bench-org-000000 over a fresh connection; Redis
//       answers -LOADING until the AOF is loaded.
//
// The client: hiredis's async API on libevent (hiredis's adapters/libevent.h; Debian's libevent-dev), three
// event-loop threads: one for the write connections (PeerOptions::channels, each pipelining the writes of the
// publishers assigned to it), two for the subscribers' connections. Calls from other threads are handed to a loop
// through a queue and a libevent user event (evthread_use_pthreads makes event_active thread-safe); on a loop thread
// they run inline. hiredis turns every answer into reply objects (an allocation and a copy per stream entry), more
// client work per event than the gRPC peers' wire scanners: the tables' "CPU: bench client" row shows it.
//
// Thread safety: as Peer.
#ifndef KETENBEELD_BENCH_REDIS_PEER_H_
#define KETENBEELD_BENCH_REDIS_PEER_H_

#include <memory>

#include "bench/peers.h"

namespace ketenbeeld::bench {

// False when this ketenbeeld-bench was built without hiredis and libevent (CMake did not find them): then
// MakeRedisPeer returns nullptr.
bool RedisPeerBuilt();

std::unique_ptr<Peer> MakeRedisPeer(PeerOptions options);

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_REDIS_PEER_H_
