#include "archive/search_query.hpp"

#include <algorithm>
#include <vector>

#include "core/text.hpp"

namespace hashchat::archive {

namespace {

// True if the text has a character the tokenizer keeps (a letter or digit, or any non-ASCII).
bool has_word(std::string_view s) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || std::isalnum(u) != 0) return true;
    }
    return false;
}

}  // namespace

core::result<std::vector<core::search_term>> parse_query(std::string_view q) {
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
    std::vector<core::search_term> terms;
    bool pending_or = false;
    std::size_t i = 0;
    while (i < q.size()) {
        if (std::isspace(static_cast<unsigned char>(q[i])) != 0) {
            ++i;
            continue;
        }
        core::search_term t;
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
    const bool positive = std::any_of(terms.begin(), terms.end(),
                                      [](const core::search_term& t) { return !t.exclude; });
    if (!positive) {
        return refuse(terms.empty() ? "Type a word to search for."
                                    : "Say what to search for, not only what to leave out.");
    }
    return terms;
}

core::result<std::string> fts_query(std::string_view q) {
    auto terms = parse_query(q);
    if (!terms) return terms.err();
    return core::fts5_match(*terms);
}

}  // namespace hashchat::archive
