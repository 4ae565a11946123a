#include "tests/interop/schema_check.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <memory>

namespace ketenbeeld::testing {
namespace {

void Keep(void* data, xmlErrorPtr error) {
  auto* first = static_cast<std::string*>(data);
  if (first->empty() && error != nullptr && error->message != nullptr) *first = error->message;
}

}  // namespace

std::string SchemaErrors(const std::string& schema_file, const std::string& document) {
  const std::string path = std::string(KETENBEELD_STANDARDS_DIR) + "/" + schema_file;
  std::string first;
  std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> parser(xmlSchemaNewParserCtxt(path.c_str()),
                                                                                  &xmlSchemaFreeParserCtxt);
  xmlSchemaSetParserStructuredErrors(parser.get(), &Keep, &first);
  std::unique_ptr<xmlSchema, decltype(&xmlSchemaFree)> schema(xmlSchemaParse(parser.get()), &xmlSchemaFree);
  if (schema == nullptr) return "schema " + path + " does not compile: " + first;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(document.data(), static_cast<int>(document.size()), nullptr, nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      &xmlFreeDoc);
  if (doc == nullptr) return "not well-formed";
  std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> validation(xmlSchemaNewValidCtxt(schema.get()),
                                                                                    &xmlSchemaFreeValidCtxt);
  xmlSchemaSetValidStructuredErrors(validation.get(), &Keep, &first);
  if (xmlSchemaValidateDoc(validation.get(), doc.get()) == 0) return "";
  return first.empty() ? std::string("invalid") : first;
}

}  // namespace ketenbeeld::testing
