// The API's enum values for the pages (GET /api/enums): read from the protobuf descriptors compiled into the server,
// so the form's lists cannot fall behind the .proto files (a copy in JavaScript would silently lack a new value).
//
// Thread safety: thread safe (the answer is computed once).
#ifndef KETENBEELD_SERVER_HTTP_ENUMS_H_
#define KETENBEELD_SERVER_HTTP_ENUMS_H_

#include <string>

namespace ketenbeeld::http {

// {"enums":{"BedType":["BED_TYPE_UNSPECIFIED","BED_TYPE_IC_ADULT",...],...}}: every enum of the public API (package
// ketenbeeld.v1, the files the services use; not the server's configuration schema), keyed by its name within the
// package, with its values in declaration order.
const std::string& EnumsJson();

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_ENUMS_H_
