// Rules for user-written text: UTF-8 validity and length in code points, handles, the A<n>
// answer prefix and @mentions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hashchat::core {

// Number of Unicode code points, or nothing if `s` is not valid UTF-8 (overlongs, surrogates and
// values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view s);

// True when `s` has a control character other than tab, line feed, carriage return and next line
// (C0, DEL and the C1 range U+0080..U+009F).
bool has_control_chars(std::string_view s);

// True when `s` holds nothing but white space (ASCII, no-break and ideographic spaces, zero-width).
bool is_blank(std::string_view s);

// 1-20 of [A-Za-z0-9_].
bool valid_handle(std::string_view handle);

// The case-insensitive identity of a handle.
std::string handle_key(std::string_view handle);

// The case-insensitive identity of a hashtag, with its '#': "#UKEdChat", "ukedchat" -> "#ukedchat".
std::string hashtag_key(std::string_view tag);

// The n of a leading "A<n>" answer label: "A3:", "A3 ", "a3)", "A3.", "A3-", or "A3" alone.
std::optional<int> answer_prefix(std::string_view text);

// Handles mentioned as @handle (not inside a word, such as an e-mail address), first-seen order,
// without duplicates (ignoring case).
std::vector<std::string> mentions_in(std::string_view text);

}  // namespace hashchat::core
