#include "archive/escape.hpp"

#include <array>

#include "protocol/event_json.hpp"

namespace hashchat::archive {

void html_escape(std::string& out, std::string_view s) {
    for (const char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
}

void xml_escape(std::string& out, std::string_view s) {
    std::string clean;
    clean.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        // Characters XML 1.0 does not allow: C0 controls other than tab and newlines, and
        // U+FFFE, U+FFFF (EF BF BE, EF BF BF).
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE) {
            i += 2;
            continue;
        }
        clean += static_cast<char>(c);
    }
    html_escape(out, clean);
}

void markdown_escape(std::string& out, std::string_view s) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && std::ispunct(u) != 0) out += '\\';
        out += c;
    }
}

void csv_cell(std::string& out, std::string_view s) {
    out += '"';
    constexpr std::array<std::string_view, 10> risky = {
        "=",           "+", "-", "@", "\t", "\r", "\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
        "\xEF\xBC\xA0"};  // and the full-width = + - @
    for (const auto r : risky) {
        if (s.substr(0, r.size()) == r) {
            out += '\'';
            break;
        }
    }
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

// A JSON string, as the events are written (text that is not valid UTF-8, never stored but not
// assumed, goes through the library, which replaces what is broken).
void json_string(std::string& out, std::string_view s) { protocol::append_json_string(out, s); }

}  // namespace hashchat::archive
