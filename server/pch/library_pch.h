// The precompiled header of the server's libraries (server/CMakeLists.txt, "Precompiled header").
//
// Each library batch parses the same standard, Abseil and protobuf headers and our generated API messages again;
// they are parsed once per build tree into this header's PCH, which the server libraries reuse. What belongs here:
// headers that most of server/ includes and that every server library may use — the standard library, Abseil,
// protobuf's runtime and the API's message headers. Not gRPC, RocksDB or any transport: the layering (gRPC only in
// the transports, docs/architecture.md) must not be blurred by a header that every library sees. Files still include
// what they use (tests/layering/check_layering.sh reads the includes); this header only makes that cheaper.
#ifndef KETENBEELD_SERVER_PCH_LIBRARY_PCH_H_
#define KETENBEELD_SERVER_PCH_LIBRARY_PCH_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/status.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

#endif  // KETENBEELD_SERVER_PCH_LIBRARY_PCH_H_
