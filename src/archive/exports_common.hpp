// What the export formats share: how replies nest, and the lines and phrases that the HTML and
// Markdown pages both write. Internal to the exports (exports_*.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/local_clock.hpp"
#include "archive/transcript.hpp"

namespace hashchat::archive::detail {

// Replies nest this deep; deeper ones are listed, in order, under the deepest shown.
constexpr int max_nesting = 6;

// The replies to show under `p` at `depth`: its own; at the deepest level all its descendants
// in seq order; below that (the descendants so listed) none.
std::vector<std::size_t> shown_replies(const transcript& t, const post& p, int depth);

std::string title_line(const transcript& t);

// "Thursday 26 November 2026, 19:00–20:02 (Europe/London)"
std::string when_line(const transcript& t, local_clock& clock);

std::string plural(std::size_t n, std::string_view one, std::string_view many);

std::string stamp(const transcript& t, local_clock& clock, core::instant at);

}  // namespace hashchat::archive::detail
