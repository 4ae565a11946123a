// The dashboard's static files (web/static/): built into the binary, so the server needs nothing next to it and the
// browser nothing from the network; or, for development, read from a directory on every request.
//
// Thread safety: pure functions (the embedded table is immutable).
#ifndef KETENBEELD_SERVER_HTTP_ASSETS_H_
#define KETENBEELD_SERVER_HTTP_ASSETS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ketenbeeld::http {

struct Asset {
  std::string content;
  std::string content_type;  // "text/html; charset=utf-8", ...
};

// The file at URL `path` ("/index.html"; "/" is "/index.html"): from `directory` when not empty, else the embedded
// copy. nullopt when there is no such file, or the path is not a plain relative path (no "..", no hidden files).
std::optional<Asset> FindAsset(absl::string_view path, const std::string& directory);

// The URL paths of the embedded files, sorted.
std::vector<std::string> EmbeddedAssetPaths();

// The content type for a file name, by extension.
std::string ContentTypeOf(absl::string_view path);

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_ASSETS_H_
