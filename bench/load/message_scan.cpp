#include "message_scan.hpp"

#include <cstring>

namespace hashchat::bench::load {

namespace detail {

bool cursor::string(std::string_view& out) {
    skip_ws();
    if (p_ >= end_ || *p_ != '"') return false;
    const char* begin = ++p_;
    for (;;) {
        // Most strings have no escapes: jump to the next quote, then look back for backslashes.
        const auto* q =
            static_cast<const char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
        if (q == nullptr) return false;
        std::size_t backslashes = 0;
        for (const char* b = q; b > begin && b[-1] == '\\'; --b) ++backslashes;
        p_ = q + 1;
        if (backslashes % 2 == 0) {
            out = std::string_view(begin, static_cast<std::size_t>(q - begin));
            return true;
        }
    }
}

bool cursor::integer(std::int64_t& out) {
    skip_ws();
    bool negative = false;
    if (p_ < end_ && *p_ == '-') {
        negative = true;
        ++p_;
    }
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
    std::int64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') v = v * 10 + (*p_++ - '0');
    out = negative ? -v : v;
    return true;
}

bool cursor::skip_value() {
    skip_ws();
    if (p_ >= end_) return false;
    if (*p_ == '"') {
        std::string_view ignored;
        return string(ignored);
    }
    if (*p_ == '{' || *p_ == '[') {
        int depth = 0;
        while (p_ < end_) {
            const char ch = *p_;
            if (ch == '"') {
                std::string_view ignored;
                if (!string(ignored)) return false;
                continue;
            }
            ++p_;
            if (ch == '{' || ch == '[') {
                ++depth;
            } else if (ch == '}' || ch == ']') {
                if (--depth == 0) return true;
            }
        }
        return false;
    }
    // A number, true, false or null.
    const char* start = p_;
    while (p_ < end_ && *p_ != ',' && *p_ != '}' && *p_ != ']' && *p_ != ' ' && *p_ != '\n' &&
           *p_ != '\r' && *p_ != '\t') {
        ++p_;
    }
    return p_ > start;
}

bool cursor::object(message_fields& out) {
    if (!take('{')) return false;
    if (take('}')) return true;
    for (;;) {
        std::string_view key;
        if (!string(key) || !take(':')) return false;
        bool ok = true;
        std::string_view* text_field = nullptr;
        if (key == "type") {
            text_field = &out.type;
        } else if (key == "kind") {
            text_field = &out.kind;
        } else if (key == "text") {
            text_field = &out.text;
        } else if (key == "cid") {
            text_field = &out.cid;
        } else if (key == "code") {
            text_field = &out.code;
        }
        if (text_field != nullptr && peek() == '"') {
            ok = string(*text_field);
        } else if (key == "seq" && peek() != 'n') {
            ok = integer(out.seq);
        } else if (key == "events" && peek() == '[') {
            skip_ws();
            const char* begin = at();
            ok = skip_value();
            out.events = std::string_view(begin, static_cast<std::size_t>(at() - begin));
        } else {
            ok = skip_value();
        }
        if (!ok) return false;
        if (take('}')) return true;
        if (!take(',')) return false;
    }
}

}  // namespace detail

bool scan_message(std::string_view json, message_fields& out) {
    detail::cursor c(json);
    return c.object(out);
}

}  // namespace hashchat::bench::load
