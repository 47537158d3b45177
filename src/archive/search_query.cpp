#include "archive/search_query.hpp"

#include <vector>

#include "core/text.hpp"

namespace hashchat::archive {

namespace {

struct term {
    std::string text;
    bool phrase = false;
    bool prefix = false;
    bool exclude = false;
    bool or_before = false;
};

// True if the text has a character the tokenizer keeps (a letter or digit, or any non-ASCII).
bool has_word(std::string_view s) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || std::isalnum(u) != 0) return true;
    }
    return false;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

core::result<std::string> fts_query(std::string_view q) {
    auto refuse = [](std::string message) {
        return core::make_error(core::error_code::bad_request, std::move(message));
    };
    if (q.size() > max_query_bytes) {
        return refuse("The search is too long: at most " + std::to_string(max_query_bytes) +
                      " bytes.");
    }
    if (!core::utf8_length(q) || core::has_control_chars(q)) {
        return refuse("The search has characters that cannot be searched for.");
    }
    std::vector<term> terms;
    bool pending_or = false;
    std::size_t i = 0;
    while (i < q.size()) {
        if (std::isspace(static_cast<unsigned char>(q[i])) != 0) {
            ++i;
            continue;
        }
        term t;
        if (q[i] == '-' && i + 1 < q.size() &&
            std::isspace(static_cast<unsigned char>(q[i + 1])) == 0) {
            t.exclude = true;
            ++i;
        }
        if (q[i] == '"') {
            const auto close = q.find('"', i + 1);
            const auto end = close == std::string_view::npos ? q.size() : close;
            t.text = std::string(q.substr(i + 1, end - i - 1));
            t.phrase = true;
            i = close == std::string_view::npos ? q.size() : close + 1;
            if (i < q.size() && q[i] == '*') {
                t.prefix = true;
                ++i;
            }
        } else {
            auto end = i;
            while (end < q.size() && std::isspace(static_cast<unsigned char>(q[end])) == 0 &&
                   q[end] != '"') {
                ++end;
            }
            t.text = std::string(q.substr(i, end - i));
            i = end;
            if (!t.exclude && t.text == "OR") {
                pending_or = !terms.empty();
                continue;
            }
            while (!t.text.empty() && t.text.back() == '*') {
                t.text.pop_back();
                t.prefix = true;
            }
        }
        if (!has_word(t.text)) continue;  // punctuation alone matches nothing and is no error
        t.or_before = pending_or && !t.exclude;
        pending_or = false;
        terms.push_back(std::move(t));
        if (terms.size() > max_query_terms) {
            return refuse("The search has too many words: at most " +
                          std::to_string(max_query_terms) + ".");
        }
    }
    std::string positive;
    std::string negative;
    for (const auto& t : terms) {
        std::string expr = quoted(t.text);
        if (t.prefix) expr += "*";
        if (t.exclude) {
            negative += " NOT " + expr;
        } else {
            if (!positive.empty()) positive += t.or_before ? " OR " : " AND ";
            positive += expr;
        }
    }
    if (positive.empty()) {
        return refuse(terms.empty() ? "Type a word to search for."
                                    : "Say what to search for, not only what to leave out.");
    }
    return negative.empty() ? positive : "(" + positive + ")" + negative;
}

}  // namespace hashchat::archive
