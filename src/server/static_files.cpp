#include "server/static_files.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <fstream>
#include <sstream>
#include <vector>

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
    if (ext == ".webmanifest") return "application/manifest+json";
    if (ext == ".json") return "application/json";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The q-value of one Accept-Encoding element ("gzip;q=0.5"): 1 without one, 0 if malformed.
double q_value(std::string_view params) {
    const auto q = params.find("q=");
    if (q == std::string_view::npos) return 1.0;
    const auto v = trim(params.substr(q + 2));
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return 0.0;
    double out = v[0] - '0';
    double scale = 0.1;
    for (std::size_t i = 2; i < v.size() && i < 5 && v[1] == '.'; ++i) {
        if (v[i] < '0' || v[i] > '9') break;
        out += (v[i] - '0') * scale;
        scale /= 10;
    }
    return std::min(out, 1.0);
}

}  // namespace

std::vector<std::string> accepted_encodings(std::string_view accept_encoding) {
    double br = -1;
    double gzip = -1;
    double star = -1;
    std::string_view rest = accept_encoding;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto semi = item.find(';');
        const auto name = trim(item.substr(0, semi));
        const double q = semi == std::string_view::npos ? 1.0 : q_value(item.substr(semi + 1));
        if (boost::beast::iequals(name, "br")) br = q;
        if (boost::beast::iequals(name, "gzip") || boost::beast::iequals(name, "x-gzip")) gzip = q;
        if (name == "*") star = q;
    }
    if (br < 0) br = star;
    if (gzip < 0) gzip = star;
    std::vector<std::string> out;
    if (br > 0 && br >= gzip) out.emplace_back("br");
    if (gzip > 0) out.emplace_back("gzip");
    if (br > 0 && br < gzip) out.emplace_back("br");
    return out;
}

bool is_app_page(std::string_view path) {
    return path == "/" || path.rfind("/s/", 0) == 0 || path == "/archive" ||
           path.rfind("/archive/", 0) == 0 || path == "/new" || path.rfind("/series/", 0) == 0;
}

std::optional<static_file> find_static(const std::filesystem::path& root, std::string_view path,
                                       std::string_view accept_encoding) {
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
    static_file out;
    for (const auto& encoding : accepted_encodings(accept_encoding)) {
        if (auto packed = read_file(file.string() + (encoding == "br" ? ".br" : ".gz"))) {
            out.body = std::move(*packed);
            out.encoding = encoding;
            break;
        }
    }
    if (out.encoding.empty()) {
        auto plain = read_file(file);
        if (!plain) return std::nullopt;
        out.body = std::move(*plain);
    }
    out.content_type = content_type_of(file);
    out.immutable = rel.rfind("assets/", 0) == 0;
    return out;
}

}  // namespace hashchat::server
