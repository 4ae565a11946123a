// The tests' own schema check: libxml2's validator over the schema file in standards/, independent of the copy that
// server/interop embeds and of its wrapper.
#ifndef KETENBEELD_TESTS_INTEROP_SCHEMA_CHECK_H_
#define KETENBEELD_TESTS_INTEROP_SCHEMA_CHECK_H_

#include <string>

namespace ketenbeeld::testing {

// "" when `document` is valid against standards/`schema_file`; otherwise libxml2's first message.
std::string SchemaErrors(const std::string& schema_file, const std::string& document);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_INTEROP_SCHEMA_CHECK_H_
