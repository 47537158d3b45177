// What each event of a public log changes in the search index, and the scope words that let a
// search keep to one hashtag or series inside the FTS5 index itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"
#include "store/store.hpp"

namespace hashchat::store {

// One word per filter, so the tokenizer keeps it whole: "t" + hex of the lower-case hashtag
// without '#', "s" + hex of the series id.
std::string hashtag_scope(std::string_view hashtag);
std::string series_scope(std::string_view series);
// A post's scope column: its session's hashtag word, and its series word if any.
std::string post_scope(std::string_view hashtag, const std::optional<std::string>& series);

// Appends the index changes `e` makes (post: add; edit; delete; hide; unhide).
void index_ops(const std::string& session_id, const std::string& scope, const core::event& e,
               std::vector<post_index_op>& out);

}  // namespace hashchat::store
