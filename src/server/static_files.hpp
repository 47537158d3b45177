// Serves the built web client: files under the web root, and index.html for the app's pages.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hashchat::server {

struct static_file {
    std::string body;
    std::string content_type;
    bool immutable = false;  // fingerprinted asset: cache for a year
};

// The file for a request path, or nothing. Never leaves `root` (no "..", no absolute paths).
std::optional<static_file> find_static(const std::filesystem::path& root, std::string_view path);

// True for the routes the single-page client renders: /, /s/{id}, /s/{id}/moderate, ...
bool is_app_page(std::string_view path);

}  // namespace hashchat::server
