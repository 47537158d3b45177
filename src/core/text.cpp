#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace hashchat::core {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view s) {
    std::size_t count = 0;
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            len = 1;
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return std::nullopt;
        }
        if (i + len > n) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return std::nullopt;
        }
        i += len;
        ++count;
    }
    return count;
}

bool has_control_chars(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return true;
        // C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F), e.g. U+009B, a terminal's CSI;
        // U+0085 (next line) is a line break.
        if (c == 0xC2 && i + 1 < s.size()) {
            const auto d = static_cast<unsigned char>(s[i + 1]);
            if (d >= 0x80 && d <= 0x9F && d != 0x85) return true;
        }
    }
    return false;
}

bool is_blank(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
        } else if (s.substr(i, 2) == "\xC2\xA0") {  // no-break space
            i += 2;
        } else if (s.substr(i, 3) == "\xE2\x80\x8B" || s.substr(i, 3) == "\xE3\x80\x80" ||
                   s.substr(i, 3) == "\xE2\x80\xAF") {  // zero-width, ideographic, narrow nbsp
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

bool valid_handle(std::string_view handle) {
    return !handle.empty() && handle.size() <= 20 &&
           std::all_of(handle.begin(), handle.end(), is_word_char);
}

std::string hashtag_key(std::string_view tag) {
    if (!tag.empty() && tag.front() == '#') tag.remove_prefix(1);
    std::string out = "#";
    for (const char c : tag) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string handle_key(std::string_view handle) {
    std::string out(handle);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<int> answer_prefix(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    if (i >= text.size() || (text[i] != 'A' && text[i] != 'a')) return std::nullopt;
    ++i;
    const std::size_t digits_start = i;
    int n = 0;
    while (i < text.size() && i - digits_start < 4 &&
           std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
        n = n * 10 + (text[i] - '0');
        ++i;
    }
    if (i == digits_start) return std::nullopt;
    if (i == text.size()) return n;
    const char c = text[i];
    if (c == ':' || c == ')' || c == '.' || c == '-' || c == ' ' || c == '\t' || c == '\n' ||
        c == ',' || text.substr(i, 2) == "\xC2\xA0") {  // also a no-break space
        return n;
    }
    return std::nullopt;
}

std::vector<std::string> mentions_in(std::string_view text) {
    std::vector<std::string> out;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '@') continue;
        // Not after a letter of any script (part of an e-mail address or a word).
        if (i > 0 && (is_word_char(text[i - 1]) || text[i - 1] == '@' ||
                      static_cast<unsigned char>(text[i - 1]) >= 0x80)) {
            continue;
        }
        std::size_t j = i + 1;
        while (j < text.size() && is_word_char(text[j])) ++j;
        const std::string_view h = text.substr(i + 1, j - i - 1);
        if (!valid_handle(h)) continue;
        auto key = handle_key(h);
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            keys.push_back(std::move(key));
            out.emplace_back(h);
        }
        i = j - 1;
    }
    return out;
}

}  // namespace hashchat::core
