// What a reader types into the search box, made into an FTS5 query that SQLite cannot refuse:
// words (all must match), "quoted phrases", prefix* words, -excluded words and OR. Every term is
// quoted, so FTS5 syntax in the input is only text.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/search_terms.hpp"

namespace hashchat::archive {

constexpr std::size_t max_query_bytes = 300;
constexpr std::size_t max_query_terms = 16;

// The terms of what was typed; bad_request if there is nothing to search for.
core::result<std::vector<core::search_term>> parse_query(std::string_view user_query);
// The same, as the FTS5 query the SQLite store runs (core::fts5_match).
core::result<std::string> fts_query(std::string_view user_query);

}  // namespace hashchat::archive
