#include "server/http_util.hpp"

#include <algorithm>

#include "protocol/server_messages.hpp"

namespace hashchat::server {

namespace http = boost::beast::http;

http_response make_response(const http_request& req, http::status status, std::string body,
                            std::string_view content_type) {
    http_response res{status, req.version()};
    res.set(http::field::server, "hashchat");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http_response json_response(const http_request& req, http::status status, std::string body) {
    return make_response(req, status, std::move(body), "application/json");
}

http_response error_response(const http_request& req, http::status status, std::string_view code,
                             std::string_view message) {
    return json_response(req, status, protocol::http_error_body(code, message));
}

http::status status_of(core::error_code code) {
    switch (code) {
        case core::error_code::not_found:
            return http::status::not_found;
        case core::error_code::not_allowed:
            return http::status::forbidden;
        case core::error_code::bad_key:
            return http::status::unauthorized;
        case core::error_code::store_unavailable:
            return http::status::service_unavailable;
        case core::error_code::rate_limited:
            return http::status::too_many_requests;
        default:
            return http::status::bad_request;
    }
}

http_response error_response(const http_request& req, const core::error& e) {
    auto res = error_response(req, status_of(e.code), core::to_string(e.code), e.message);
    if (e.retry_after_ms) {
        res.set(http::field::retry_after, std::to_string((*e.retry_after_ms + 999) / 1000));
    }
    return res;
}

http_response no_such_session(const http_request& req) {
    return error_response(req, http::status::not_found, "not_found",
                          "There is no session with that id.");
}

namespace {

// A host[:port] of letters, digits, '.', '-', ':' and IPv6 brackets: safe in any link we write.
bool plain_host(std::string_view host) {
    return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':' ||
               c == '-' || c == '[' || c == ']';
    });
}

}  // namespace

std::string base_url(const http_request& req, std::string_view public_url) {
    if (!public_url.empty()) return std::string(public_url);
    auto it = req.find(http::field::host);
    const std::string_view host = it == req.end() ? "" : std::string_view(it->value());
    return "http://" + std::string(plain_host(host) ? host : "localhost");
}

std::optional<std::string> normal_public_url(std::string_view url) {
    std::string_view rest = url;
    for (std::string_view scheme : {"https://", "http://"}) {
        if (rest.substr(0, scheme.size()) == scheme) {
            rest.remove_prefix(scheme.size());
            break;
        }
    }
    if (rest.size() == url.size() || rest.empty() || url.size() > 200) return std::nullopt;
    const auto slash = rest.find('/');
    const auto host = rest.substr(0, slash);
    const auto path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    const bool path_ok = std::all_of(path.begin(), path.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' ||
               c == '-' || c == '_' || c == '~';
    });
    if (!plain_host(host) || !path_ok || host.front() == '.' || host.front() == ':') {
        return std::nullopt;
    }
    std::string out(url);
    while (out.back() == '/') out.pop_back();
    return out;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

core::result<std::optional<std::string>> query_param(std::string_view target,
                                                     std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::optional<std::string>{};
    auto rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        auto value = decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
        if (!value) {
            return core::make_error(
                core::error_code::bad_request,
                "The " + std::string(name) + " parameter is not correctly percent-encoded.");
        }
        return std::optional<std::string>(std::move(*value));
    }
    return std::optional<std::string>{};
}

}  // namespace hashchat::server
