// Safe XML for the exchange formats (CAP 1.2, EDXL-HAVE 2.0): parsing untrusted documents, validating them against an
// embedded schema, and writing documents. libxml2 (Debian's libxml2) underneath; no libxml2 type leaves this module's
// .cc files but the node pointers the readers walk (XmlDocument::root()).
//
// What ParseXml() refuses, before anything is converted (INVALID_ARGUMENT, the message naming what and where):
//   - a document larger than XmlLimits::max_bytes, or nested deeper than XmlLimits::max_depth;
//   - any document type declaration (<!DOCTYPE ...>): the parser is stopped at the declaration, before an internal
//     subset is read, so no entity is ever declared, let alone expanded (billion laughs, quadratic blow-up) or
//     resolved (external entities: XXE). Neither CAP nor HAVE uses DTDs, so nothing legitimate is lost;
//   - anything not well-formed.
// The parser never touches the network or the file system (XML_PARSE_NONET; no XML_PARSE_NOENT, XML_PARSE_DTDLOAD,
// XML_PARSE_DTDATTR, XML_PARSE_XINCLUDE or XML_PARSE_HUGE), and libxml2 reports errors to us, not to stderr.
//
// Thread safety: every function may be called concurrently; XmlSchema is immutable after Load() and may be shared by
// threads (each validation has its own libxml2 validation context). XmlDocument is not shared.
#ifndef KETENBEELD_SERVER_INTEROP_XML_H_
#define KETENBEELD_SERVER_INTEROP_XML_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// libxml2's node type, declared here so that this header does not pull in libxml2's.
struct _xmlNode;
struct _xmlDoc;

namespace ketenbeeld::interop {

struct XmlLimits {
  // Largest document accepted, in bytes. Both formats describe one alert or one region's facilities: 1 MiB is far
  // beyond either, and bounds what a caller can make the parser do.
  size_t max_bytes = size_t{1} << 20;
  // Deepest element nesting accepted. CAP nests 4 levels, our HAVE profile 6.
  int max_depth = 16;
};

// A parsed document. Owns the libxml2 tree.
class XmlDocument {
 public:
  XmlDocument(XmlDocument&&) noexcept;
  XmlDocument& operator=(XmlDocument&&) noexcept;
  ~XmlDocument();

  // The root element; never null.
  const _xmlNode* root() const;
  _xmlDoc* doc() const { return doc_; }

 private:
  friend absl::StatusOr<XmlDocument> ParseXml(absl::string_view input, absl::string_view what, const XmlLimits& limits);
  explicit XmlDocument(_xmlDoc* doc) : doc_(doc) {}
  _xmlDoc* doc_ = nullptr;
};

// Parses `input` under the rules of the file comment. `what` names the format in messages ("cap", "have").
// INVALID_ARGUMENT "<what>: line N: <libxml2's message>" for a document that is not well-formed, and
// "<what>: <reason>" for the refusals above.
absl::StatusOr<XmlDocument> ParseXml(absl::string_view input, absl::string_view what, const XmlLimits& limits = {});

// A W3C XML Schema, loaded once.
class XmlSchema {
 public:
  // INTERNAL when `xsd` is not a schema libxml2 can compile (a defect of the build, not of a request).
  static absl::StatusOr<std::shared_ptr<const XmlSchema>> Load(absl::string_view xsd);
  ~XmlSchema();
  XmlSchema(const XmlSchema&) = delete;
  XmlSchema& operator=(const XmlSchema&) = delete;

  // OK when `document` is valid; otherwise INVALID_ARGUMENT naming the first offending element by its path and
  // line: "<what>: /alert/info/urgency (line 9): Element '...urgency': [facet 'enumeration'] The value 'Soon' ...".
  absl::Status Validate(const XmlDocument& document, absl::string_view what) const;

 private:
  struct Impl;
  explicit XmlSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reading a parsed tree: elements of one namespace, by local name. Pointers are into the document and live as long
// as it does.
namespace xml {
// The element children of `parent` in namespace `ns` called `name` (all of them, in document order).
std::vector<const _xmlNode*> Children(const _xmlNode* parent, absl::string_view ns, absl::string_view name);
// The single such child, or null when there is none.
const _xmlNode* Child(const _xmlNode* parent, absl::string_view ns, absl::string_view name);
// The text content of `node` with surrounding whitespace removed.
std::string Text(const _xmlNode* node);
// The text of the single child `name`, or nullopt when it is absent.
std::optional<std::string> ChildText(const _xmlNode* parent, absl::string_view ns, absl::string_view name);
// "/alert/info/area": the element's path from the root, by local names, for messages.
std::string PathOf(const _xmlNode* node);
}  // namespace xml

// Writing a document: a small builder over libxml2's tree (which escapes text), serialised as indented UTF-8.
class XmlWriter {
 public:
  // A document whose root element `root` is in the default namespace `ns`.
  XmlWriter(absl::string_view ns, absl::string_view root);
  ~XmlWriter();
  XmlWriter(const XmlWriter&) = delete;
  XmlWriter& operator=(const XmlWriter&) = delete;

  // An opaque element handle: the root, or one returned by Add().
  using Element = _xmlNode*;
  Element root() const { return root_; }
  // Appends a child element to `parent`, with `text` when given. Control characters that XML 1.0 cannot carry
  // (U+0000..U+001F but tab, newline and carriage return) are left out of the text.
  Element Add(Element parent, absl::string_view name, std::optional<absl::string_view> text = std::nullopt);
  // The document, with an XML declaration, indented. Deterministic: the same calls give the same bytes.
  std::string Serialize() const;

 private:
  _xmlDoc* doc_ = nullptr;
  _xmlNode* root_ = nullptr;
  void* ns_ = nullptr;  // xmlNs*
};

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_XML_H_
