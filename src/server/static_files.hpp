// Serves the built web client: files under the web root, and index.html for the app's pages;
// the build's precompressed copies (file.br, file.gz) to clients that accept them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hashchat::server {

struct static_file {
    std::string body;
    std::string content_type;
    bool immutable = false;  // fingerprinted asset: cache for a year
    std::string encoding;    // "br", "gzip" or "" (identity): the Content-Encoding
};

// The encodings an Accept-Encoding header accepts among "br" and "gzip", preferred first (the
// higher q-value; br on a tie), honouring q=0 (refused) and "*". Identity is always acceptable.
std::vector<std::string> accepted_encodings(std::string_view accept_encoding);

// The file for a request path, or nothing. Never leaves `root` (no "..", no absolute paths).
// With `accept_encoding` ("br", "gzip"), the precompressed copy beside the file if there is one.
std::optional<static_file> find_static(const std::filesystem::path& root, std::string_view path,
                                       std::string_view accept_encoding = "");

// True for the routes the single-page client renders: /, /s/{id}, /s/{id}/moderate, ...
bool is_app_page(std::string_view path);

}  // namespace hashchat::server
