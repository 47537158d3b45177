// A search as the reader typed it, read into terms (archive::parse_query), and the FTS5 query
// the SQLite store runs for it. The PostgreSQL store builds its tsquery from the same terms.
#pragma once

#include <string>
#include <vector>

namespace hashchat::core {

struct search_term {
    std::string text;
    bool phrase = false;     // "quoted"
    bool prefix = false;     // word* or "quoted words"*: the last word is a prefix
    bool exclude = false;    // -word: the posts must not have it
    bool or_before = false;  // joined to the term before by OR (else AND)
};

// An FTS5 query that SQLite cannot refuse: every term quoted, AND/OR between the terms that
// must match, then NOT for each excluded one. At least one term must not be excluded.
std::string fts5_match(const std::vector<search_term>& terms);

}  // namespace hashchat::core
