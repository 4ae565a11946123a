// The schemas of the exchange formats, embedded at build time from standards/ (standards/README.md says where each
// comes from), and compiled once.
//
// Thread safety: the accessors may be called concurrently; the schemas are immutable.
#ifndef KETENBEELD_SERVER_INTEROP_SCHEMAS_H_
#define KETENBEELD_SERVER_INTEROP_SCHEMAS_H_

#include "absl/strings/string_view.h"
#include "server/interop/xml.h"

namespace ketenbeeld::interop {

// The text of standards/cap-1.2.xsd (OASIS CAP 1.2).
absl::string_view CapSchemaText();
// The text of standards/ketenbeeld-have-2.0-profile.xsd (Ketenbeeld's profile of EDXL-HAVE 2.0).
absl::string_view HaveSchemaText();

// The compiled schemas. They are part of the build: one that libxml2 cannot compile is a defect, and aborts.
const XmlSchema& CapSchema();
const XmlSchema& HaveSchema();

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_SCHEMAS_H_
