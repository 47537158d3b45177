// Which sessions the archive lists and in what order: the filters (hashtag, series, state, a
// range of days), paging, the hashtags with their counts, and the ended sessions a feed shows.
// Pure: the shell gathers the summaries and renders the page.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/chat_marks.hpp"
#include "core/session.hpp"

namespace hashchat::archive {

// What archive lists show of a session.
struct session_summary {
    core::session_config config;
    core::chat_state state = core::chat_state::scheduled;
    std::optional<core::instant> started_at;  // the first part began
    std::optional<core::instant> ended_at;    // it closed
    core::seq_t head = 0;
};

// When a session is listed at: when it started, else its planned start, else its creation.
core::instant listed_at(const session_summary& s);

struct listing_filter {
    std::optional<std::string> hashtag;  // any case, with or without '#'
    std::optional<std::string> series;
    std::optional<core::chat_state> state;
    std::optional<core::instant> from;  // listed at or after (a day's start, UTC)
    std::optional<core::instant> to;    // listed before the end of this day (UTC)
};

struct listing {
    std::vector<const session_summary*> page;     // into the list given
    std::size_t total = 0;                        // matching the filter
    std::map<std::string, std::size_t> hashtags;  // every session's folded hashtag: sessions
};

// Sorts `all` newest first (by listed_at, then id) and takes the page of those matching.
listing list_sessions(std::vector<session_summary>& all, const listing_filter& f, std::size_t limit,
                      std::size_t offset);

// A feed's entries: ended sessions (of a hashtag, if given), the most recently ended first, at
// most `most`.
std::vector<session_summary> feed_sessions(std::vector<session_summary> all,
                                           const std::optional<std::string>& hashtag,
                                           std::size_t most = 50);

}  // namespace hashchat::archive
