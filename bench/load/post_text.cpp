#include "post_text.hpp"

#include <charconv>
#include <cstring>

namespace hashchat::bench::load {

namespace {

char* put(char* p, const char* label, std::int64_t v) {
    const std::size_t n = std::strlen(label);
    std::memcpy(p, label, n);
    return std::to_chars(p + n, p + n + 20, v).ptr;
}

bool get(std::string_view& text, std::string_view label, std::int64_t& v) {
    if (text.substr(0, label.size()) != label) return false;
    text.remove_prefix(label.size());
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc()) return false;
    text.remove_prefix(static_cast<std::size_t>(r.ptr - text.data()));
    return true;
}

}  // namespace

std::size_t format_post(char* out, const post_stamp& s, std::size_t pad) {
    char* p = put(out, "t=", s.sent_ns);
    p = put(p, " c=", s.client);
    p = put(p, " n=", s.n);
    if (pad > 0) {
        *p++ = ' ';
        std::memset(p, 'x', pad - 1);
        p += pad - 1;
    }
    return static_cast<std::size_t>(p - out);
}

bool parse_post(std::string_view text, post_stamp& out) {
    return get(text, "t=", out.sent_ns) && get(text, " c=", out.client) && get(text, " n=", out.n);
}

}  // namespace hashchat::bench::load
