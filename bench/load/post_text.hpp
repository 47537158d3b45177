// The text of a load-test post: "t=<send instant, steady ns> c=<client> n=<k>", optionally padded.
// Sender and receivers share one process, so a monotonic clock is valid across them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hashchat::bench::load {

struct post_stamp {
    std::int64_t sent_ns = 0;  // steady_clock, nanoseconds since its epoch
    std::int64_t client = 0;
    std::int64_t n = 0;  // the sender's post counter, from 1
};

// Writes the text into `out` (at least 64 + pad bytes) and returns its length; `pad` bytes of
// filler (a space, then "x"s) follow the stamp to make posts of a realistic size.
std::size_t format_post(char* out, const post_stamp& s, std::size_t pad);

// Reads a stamp from the start of `text`; false if it does not begin with one.
bool parse_post(std::string_view text, post_stamp& out);

}  // namespace hashchat::bench::load
