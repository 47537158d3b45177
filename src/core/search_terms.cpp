#include "core/search_terms.hpp"

namespace hashchat::core {

namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

std::string fts5_match(const std::vector<search_term>& terms) {
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
    return negative.empty() ? positive : "(" + positive + ")" + negative;
}

}  // namespace hashchat::core
