#include "archive/escape.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

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

namespace {

// ---- Markdown ----

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_line_break(char c) { return c == '\n' || c == '\r'; }
bool is_ascii_alnum(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x80 && std::isalnum(u) != 0;
}
bool is_ascii_punct(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x80 && std::ispunct(u) != 0;
}

void char_ref(std::string& out, char32_t cp) {
    out += "&#";
    out += std::to_string(static_cast<std::uint32_t>(cp));
    out += ';';
}

// The white space at s[i] (its length in bytes and code point), or a length of 0: spaces and
// tabs, and if `unicode` also line breaks, form feed and the space separators (Zs), which
// CommonMark's emphasis rules count as white space.
std::pair<std::size_t, char32_t> space_at(std::string_view s, std::size_t i, bool unicode) {
    const auto at = [&](std::size_t k) {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0U;
    };
    const auto c = at(0);
    if (c == ' ' || c == '\t') return {1, c};
    if (!unicode) return {0, 0};
    if (c == '\n' || c == '\r' || c == '\f') return {1, c};
    if (c == 0xC2 && at(1) == 0xA0) return {2, 0xA0};
    if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return {3, 0x1680};
    if (c == 0xE2 && at(1) == 0x80 && ((at(2) >= 0x80 && at(2) <= 0x8A) || at(2) == 0xAF)) {
        return {3, 0x2000 + (at(2) - 0x80)};
    }
    if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return {3, 0x205F};
    if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return {3, 0x3000};
    return {0, 0};
}

// Where a line that starts with `t` (not with white space) would open a block: an ATX heading,
// a block quote, a list item, a thematic break, a setext underline or a table's delimiter row.
// The index of the character whose escape prevents it, or npos.
std::size_t block_marker(std::string_view t) {
    constexpr auto npos = std::string_view::npos;
    if (t.empty()) return npos;
    const auto marker_ends = [&](std::size_t i) { return i >= t.size() || is_blank(t[i]); };
    const char c = t.front();
    if (c == '>') return 0;
    if (c == '#') return marker_ends(t.find_first_not_of('#')) ? 0 : npos;
    if ((c == '-' || c == '+' || c == '*') && marker_ends(1)) return 0;
    if (t.find_first_not_of("-_*=+:| \t") == npos) return 0;  // ---, ***, ===, |---|
    const auto digits = t.find_first_not_of("0123456789");
    if (digits != npos && digits > 0 && (t[digits] == '.' || t[digits] == ')') &&
        marker_ends(digits + 1)) {
        return digits;  // 1. or 1)
    }
    return npos;
}

// An entity or numeric character reference (&amp; &#65; &#x41;) starts at the & at s[i].
bool reference_at(std::string_view s, std::size_t i) {
    std::size_t j = i + 1;
    if (j < s.size() && s[j] == '#') ++j;
    const auto name = j;
    while (j < s.size() && is_ascii_alnum(s[j])) ++j;
    return j > name && j < s.size() && s[j] == ';';
}

// Whether the single character s[i] (not * _ ~) needs a backslash; `s` ends where the text
// written as is ends.
bool needs_escape(std::string_view s, std::size_t i, std::size_t lo, bool within_line) {
    switch (s[i]) {
        case '`':
        case '[':  // links and images (so ! needs no escape), footnotes, reference definitions
        case ']':
            return true;
        case '\\':  // escapes the punctuation after it, or ends the line with a hard break
            return i + 1 >= s.size() || is_ascii_punct(s[i + 1]) || is_line_break(s[i + 1]);
        case '<':  // an autolink, raw HTML or an HTML block; "a < b" is neither
            return i + 1 >= s.size() || !is_blank(s[i + 1]);
        case '&':
            return reference_at(s, i);
        case '#':  // a heading's closing sequence: "... #" or "... ###" at the end
            return within_line && (i == lo || is_blank(s[i - 1])) &&
                   s.find_first_not_of('#', i) == std::string_view::npos;
        default:
            return false;
    }
}

// The characters that may need more than being copied.
constexpr auto markdown_special = [] {
    std::array<bool, 256> special{};
    for (const char c : std::string_view("\\`*_~[]<&#\n\r")) {
        special[static_cast<unsigned char>(c)] = true;
    }
    return special;
}();

// One line of text, or in `within_line` text whose line breaks are written as references.
void markdown_span(std::string& out, std::string_view s, bool line_start, bool within_line) {
    std::size_t lo = 0;
    if (line_start || within_line) {
        while (true) {
            const auto [n, cp] = space_at(s, lo, within_line);
            if (n == 0) break;
            char_ref(out, cp);
            lo += n;
        }
    }
    std::size_t hi = s.size();  // the end of the text written as is: trailing white space follows
    while (hi > lo) {
        const auto back = hi - lo >= 3 ? 3 : hi - lo;  // the longest white space is 3 bytes
        std::size_t n = 0;
        for (std::size_t k = 1; k <= back && n == 0; ++k) {
            if (space_at(s, hi - k, within_line).first == k) n = k;
        }
        if (n == 0) break;
        hi -= n;
    }
    const auto text = s.substr(0, hi);
    const auto mark = line_start && lo == 0 ? block_marker(text) : std::string_view::npos;
    for (std::size_t i = lo; i < hi;) {
        const auto plain_end = mark >= i ? std::min(mark, hi) : hi;
        std::size_t j = i;
        while (j < plain_end && !markdown_special[static_cast<unsigned char>(text[j])]) ++j;
        out.append(text.data() + i, j - i);
        i = j;
        if (i >= hi) break;
        const char c = text[i];
        if (is_line_break(c)) {
            char_ref(out, static_cast<unsigned char>(c));
            ++i;
        } else if (c == '*' || c == '_' || c == '~') {
            // A run is emphasis, strong emphasis or strikethrough unless white space is on
            // both sides, or for _ a letter or digit on both sides (snake_case).
            const auto end = std::min(text.find_first_not_of(c, i), hi);
            const bool after_blank = i > lo && is_blank(text[i - 1]);
            const bool after_alnum = i > lo && is_ascii_alnum(text[i - 1]);
            const bool before_blank = end < hi && is_blank(text[end]);
            const bool before_alnum = end < hi && is_ascii_alnum(text[end]);
            const bool plain =
                (after_blank && before_blank) || (c == '_' && after_alnum && before_alnum);
            for (; i < end; ++i) {
                if (!plain || i == mark) out += '\\';
                out += c;
            }
        } else {
            if (i == mark || needs_escape(text, i, lo, within_line)) out += '\\';
            out += c;
            ++i;
        }
    }
    for (std::size_t i = hi; i < s.size();) {
        const auto [n, cp] = space_at(s, i, within_line);
        char_ref(out, cp);
        i += n;
    }
}

}  // namespace

void markdown_escape(std::string& out, std::string_view s, bool at_line_start) {
    markdown_span(out, s, at_line_start, true);
}

void markdown_lines(std::string& out, std::string_view s, std::string_view indent,
                    bool at_line_start) {
    // A hard break at the end of a paragraph is ignored, so the line breaks after the last line
    // with text are written as references.
    const auto last = s.find_last_not_of("\r\n");
    const auto text = s.substr(0, last == std::string_view::npos ? 0 : last + 1);
    std::size_t start = 0;
    for (bool first = true;; first = false) {
        const auto br = text.find_first_of("\r\n", start);
        if (!first) {
            out += "\\\n";
            out += indent;
        }
        markdown_span(out, text.substr(start, br - start), !first || at_line_start, false);
        if (br == std::string_view::npos) break;
        start = br + (text.substr(br, 2) == "\r\n" ? 2 : 1);
    }
    for (std::size_t i = text.size(); i < s.size(); ++i) {
        if (s.substr(i, 2) != "\r\n") out += "&#10;";
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
