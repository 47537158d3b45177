#include "server/static_files.hpp"

#include <fstream>
#include <sstream>

namespace hashchat::server {

namespace {

std::string content_type_of(const std::filesystem::path& p) {
    const auto ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".json" || ext == ".webmanifest") return "application/json";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

}  // namespace

bool is_app_page(std::string_view path) {
    return path == "/" || path.rfind("/s/", 0) == 0 || path == "/archive" ||
           path.rfind("/archive/", 0) == 0 || path == "/new" || path.rfind("/series/", 0) == 0;
}

std::optional<static_file> find_static(const std::filesystem::path& root, std::string_view path) {
    if (root.empty() || path.empty() || path.front() != '/') return std::nullopt;
    if (path.find("..") != std::string_view::npos || path.find('\\') != std::string_view::npos ||
        path.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::string rel(path.substr(1));
    if (is_app_page(path)) rel = "index.html";
    const auto file = root / rel;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    static_file out;
    out.body = ss.str();
    out.content_type = content_type_of(file);
    out.immutable = rel.rfind("assets/", 0) == 0;
    return out;
}

}  // namespace hashchat::server
