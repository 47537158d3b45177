// What a reader types into the search box, made into an FTS5 query that SQLite cannot refuse:
// words (all must match), "quoted phrases", prefix* words, -excluded words and OR. Every term is
// quoted, so FTS5 syntax in the input is only text.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace hashchat::archive {

constexpr std::size_t max_query_bytes = 300;
constexpr std::size_t max_query_terms = 16;

core::result<std::string> fts_query(std::string_view user_query);

}  // namespace hashchat::archive
