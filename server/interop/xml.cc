#include "server/interop/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ketenbeeld::interop {
namespace {

const xmlChar* Chars(const char* text) { return reinterpret_cast<const xmlChar*>(text); }
absl::string_view View(const xmlChar* text) {
  return text == nullptr ? absl::string_view() : absl::string_view(reinterpret_cast<const char*>(text));
}

// libxml2 keeps global state (its dictionary's random seed, the error tables); initialise it once, before any thread
// parses. Its own documentation asks for this in multi-threaded programs.
void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// What the handlers below learn while libxml2 parses or validates one document. Reached through `tls_parse` (parsing:
// libxml2 calls the SAX handlers synchronously on the parsing thread, and resets the parser context's own fields when
// a parse starts) or the handler's data pointer (validation); never shared between documents.
struct Diagnostics {
  bool doctype = false;  // A document type declaration was met; the parser was stopped there.
  std::string first_error;
  int first_error_line = 0;
  const xmlNode* first_error_node = nullptr;
};

thread_local Diagnostics* tls_parse = nullptr;

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message == nullptr ? "" : message));
}

// The parser's structured error handler: keeps the first error (later ones are often consequences of it).
void CaptureParseError(void* /*user_data*/, xmlErrorPtr error) {
  Diagnostics* diagnostics = tls_parse;
  if (diagnostics == nullptr || error == nullptr || !diagnostics->first_error.empty()) return;
  diagnostics->first_error = Trimmed(error->message);
  diagnostics->first_error_line = error->line;
}

// Called by the parser as soon as it has read `<!DOCTYPE name ...`, before the internal subset (where entities would
// be declared) and before any external subset could be loaded: stop right here.
void RefuseDoctype(void* user_data, const xmlChar* /*name*/, const xmlChar* /*external_id*/,
                   const xmlChar* /*system_id*/) {
  if (tls_parse != nullptr) tls_parse->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
}

// Belt and braces: an entity declaration can only come from a DTD, which RefuseDoctype stops first; should libxml2
// ever reach one anyway, the document is refused all the same.
void RefuseEntity(void* user_data, const xmlChar* /*name*/, int /*type*/, const xmlChar* /*public_id*/,
                  const xmlChar* /*system_id*/, xmlChar* /*content*/) {
  RefuseDoctype(user_data, nullptr, nullptr, nullptr);
}

// Whether the element tree under `node` nests deeper than `limit` (the root is depth 1). Iterative, so that the
// check itself cannot be made to recurse deeply.
bool DeeperThan(const xmlNode* root, int limit) {
  const xmlNode* node = root;
  int depth = 1;
  while (node != nullptr) {
    if (depth > limit) return true;
    const xmlNode* child = node->children;
    while (child != nullptr && child->type != XML_ELEMENT_NODE) child = child->next;
    if (child != nullptr) {
      node = child;
      ++depth;
      continue;
    }
    // No element child: the next element sibling of this node or of the nearest ancestor that has one.
    while (node != nullptr && node != root) {
      const xmlNode* sibling = node->next;
      while (sibling != nullptr && sibling->type != XML_ELEMENT_NODE) sibling = sibling->next;
      if (sibling != nullptr) {
        node = sibling;
        break;
      }
      node = node->parent;
      --depth;
    }
    if (node == root) return false;
  }
  return false;
}

// Text for XML 1.0: without the control characters it cannot carry.
std::string XmlText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

XmlDocument::XmlDocument(XmlDocument&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}
XmlDocument& XmlDocument::operator=(XmlDocument&& other) noexcept {
  if (this != &other) {
    if (doc_ != nullptr) xmlFreeDoc(doc_);
    doc_ = std::exchange(other.doc_, nullptr);
  }
  return *this;
}
XmlDocument::~XmlDocument() {
  if (doc_ != nullptr) xmlFreeDoc(doc_);
}
const xmlNode* XmlDocument::root() const { return xmlDocGetRootElement(doc_); }

absl::StatusOr<XmlDocument> ParseXml(absl::string_view input, absl::string_view what, const XmlLimits& limits) {
  InitLibxml();
  if (input.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the document has ", input.size(), " bytes, more than the ",
                                                   limits.max_bytes, " accepted"));
  }
  if (input.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty document"));
  std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> context(xmlNewParserCtxt(), &xmlFreeParserCtxt);
  if (context == nullptr) return absl::ResourceExhaustedError(absl::StrCat(what, ": no memory for the XML parser"));
  Diagnostics diagnostics;
  struct Scope {  // Points tls_parse at `diagnostics` for the parse, and away again on every way out.
    explicit Scope(Diagnostics* d) { tls_parse = d; }
    ~Scope() { tls_parse = nullptr; }
  } scope(&diagnostics);
  context->sax->internalSubset = &RefuseDoctype;
  context->sax->externalSubset = &RefuseDoctype;
  context->sax->entityDecl = &RefuseEntity;
  context->sax->serror = &CaptureParseError;
  // No NOENT (entities are never substituted), DTDLOAD, DTDATTR, XINCLUDE or HUGE (libxml2's own limits on names,
  // text and depth stay on); NONET forbids any fetch; NOERROR/NOWARNING keep libxml2 from printing to stderr.
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  xmlDocPtr doc = xmlCtxtReadMemory(context.get(), input.data(), static_cast<int>(input.size()), /*URL=*/nullptr,
                                    /*encoding=*/nullptr, kOptions);
  XmlDocument document(doc);  // Owns `doc` (when not null) from here on.
  if (diagnostics.doctype) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     ": a document type declaration (<!DOCTYPE>) is not accepted: entities are never declared, "
                     "expanded or fetched"));
  }
  if (doc == nullptr || !context->wellFormed) {
    if (diagnostics.first_error.empty()) {  // The handler saw nothing: take the context's last error.
      const xmlError* last = xmlCtxtGetLastError(context.get());
      if (last == nullptr || last->message == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": not well-formed XML"));
      }
      diagnostics.first_error = Trimmed(last->message);
      diagnostics.first_error_line = last->line;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": line ", diagnostics.first_error_line, ": ", diagnostics.first_error));
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {  // Unreachable after RefuseDoctype; kept closed.
    return absl::InvalidArgumentError(absl::StrCat(what, ": a document type declaration is not accepted"));
  }
  if (document.root() == nullptr) return absl::InvalidArgumentError(absl::StrCat(what, ": no root element"));
  if (DeeperThan(document.root(), limits.max_depth)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": elements nest deeper than the ", limits.max_depth, " levels accepted"));
  }
  return document;
}

struct XmlSchema::Impl {
  xmlSchemaPtr schema = nullptr;
  ~Impl() {
    if (schema != nullptr) xmlSchemaFree(schema);
  }
};

XmlSchema::XmlSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XmlSchema::~XmlSchema() = default;

namespace {
void CaptureSchemaError(void* user_data, xmlErrorPtr error) {
  auto* diagnostics = static_cast<Diagnostics*>(user_data);
  if (error == nullptr || !diagnostics->first_error.empty()) return;
  diagnostics->first_error = Trimmed(error->message);
  diagnostics->first_error_line = error->line;
  diagnostics->first_error_node = static_cast<const xmlNode*>(error->node);
}
}  // namespace

absl::StatusOr<std::shared_ptr<const XmlSchema>> XmlSchema::Load(absl::string_view xsd) {
  InitLibxml();
  Diagnostics diagnostics;
  std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> parser(
      xmlSchemaNewMemParserCtxt(xsd.data(), static_cast<int>(xsd.size())), &xmlSchemaFreeParserCtxt);
  if (parser == nullptr) return absl::InternalError("XML schema: no parser context");
  xmlSchemaSetParserStructuredErrors(parser.get(), &CaptureSchemaError, &diagnostics);
  auto impl = std::make_unique<Impl>();
  impl->schema = xmlSchemaParse(parser.get());
  if (impl->schema == nullptr) {
    return absl::InternalError(absl::StrCat("XML schema: ", diagnostics.first_error));
  }
  return std::shared_ptr<const XmlSchema>(new XmlSchema(std::move(impl)));
}

absl::Status XmlSchema::Validate(const XmlDocument& document, absl::string_view what) const {
  Diagnostics diagnostics;
  std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> validation(
      xmlSchemaNewValidCtxt(impl_->schema), &xmlSchemaFreeValidCtxt);
  if (validation == nullptr) return absl::ResourceExhaustedError(absl::StrCat(what, ": no memory to validate"));
  xmlSchemaSetValidStructuredErrors(validation.get(), &CaptureSchemaError, &diagnostics);
  const int result = xmlSchemaValidateDoc(validation.get(), document.doc());
  if (result == 0) return absl::OkStatus();
  if (result < 0) return absl::InternalError(absl::StrCat(what, ": the schema validator failed (", result, ")"));
  std::string where = diagnostics.first_error_node != nullptr && diagnostics.first_error_node->type == XML_ELEMENT_NODE
                          ? xml::PathOf(diagnostics.first_error_node)
                          : std::string("/");
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", where, " (line ", diagnostics.first_error_line,
                                                 "): does not match the schema: ", diagnostics.first_error));
}

namespace xml {

std::vector<const xmlNode*> Children(const xmlNode* parent, absl::string_view ns, absl::string_view name) {
  std::vector<const xmlNode*> found;
  if (parent == nullptr) return found;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE || View(child->name) != name) continue;
    if (child->ns == nullptr || View(child->ns->href) != ns) continue;
    found.push_back(child);
  }
  return found;
}

const xmlNode* Child(const xmlNode* parent, absl::string_view ns, absl::string_view name) {
  std::vector<const xmlNode*> found = Children(parent, ns, name);
  return found.empty() ? nullptr : found.front();
}

std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string text(absl::StripAsciiWhitespace(View(content)));
  xmlFree(content);
  return text;
}

std::optional<std::string> ChildText(const xmlNode* parent, absl::string_view ns, absl::string_view name) {
  const xmlNode* child = Child(parent, ns, name);
  if (child == nullptr) return std::nullopt;
  return Text(child);
}

std::string PathOf(const xmlNode* node) {
  std::vector<absl::string_view> names;
  for (; node != nullptr && node->type == XML_ELEMENT_NODE; node = node->parent) names.push_back(View(node->name));
  std::string path;
  for (auto name = names.rbegin(); name != names.rend(); ++name) absl::StrAppend(&path, "/", *name);
  return path.empty() ? "/" : path;
}

}  // namespace xml

XmlWriter::XmlWriter(absl::string_view ns, absl::string_view root) {
  InitLibxml();
  doc_ = xmlNewDoc(Chars("1.0"));
  root_ = xmlNewDocNode(doc_, nullptr, Chars(std::string(root).c_str()), nullptr);
  xmlNsPtr name_space = xmlNewNs(root_, Chars(std::string(ns).c_str()), nullptr);
  xmlSetNs(root_, name_space);
  ns_ = name_space;
  xmlDocSetRootElement(doc_, root_);
}

XmlWriter::~XmlWriter() { xmlFreeDoc(doc_); }

XmlWriter::Element XmlWriter::Add(Element parent, absl::string_view name, std::optional<absl::string_view> text) {
  const std::string element_name(name);
  if (!text.has_value()) {
    return xmlNewChild(parent, static_cast<xmlNsPtr>(ns_), Chars(element_name.c_str()), nullptr);
  }
  // xmlNewTextChild escapes the text (&, <, >); xmlNewChild would take it as markup.
  const std::string content = XmlText(*text);
  return xmlNewTextChild(parent, static_cast<xmlNsPtr>(ns_), Chars(element_name.c_str()), Chars(content.c_str()));
}

std::string XmlWriter::Serialize() const {
  xmlChar* buffer = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc_, &buffer, &size, "UTF-8", /*format=*/1);
  std::string out(reinterpret_cast<const char*>(buffer), static_cast<size_t>(size));
  xmlFree(buffer);
  return out;
}

}  // namespace ketenbeeld::interop
