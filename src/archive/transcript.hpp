// A session's transcript, built from its public event log: the questions in the order they were
// asked, each with its answers and the replies under them, edits in their final form, hidden and
// deleted posts left out, the A0 introductions as a roll call, and the session's statistics.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/chat_marks.hpp"
#include "core/events.hpp"
#include "core/session.hpp"

namespace hashchat::archive {

struct post {
    core::seq_t seq = 0;
    core::instant at;
    std::string author;
    std::string name;
    core::role author_role = core::role::participant;
    std::string text;  // as last edited
    std::optional<int> round;
    std::optional<core::seq_t> reply_to;
    bool reply_to_removed = false;  // it replies to a post that was hidden or deleted
    int likes = 0;
    bool edited = false;
    bool pinned = false;
    std::vector<std::string> links;    // http(s) addresses in the text, in order
    std::vector<std::size_t> replies;  // indexes into transcript::posts, in order
};

struct link {
    std::string url;
    core::seq_t seq = 0;  // the first post that shared it
    std::string author;
};

struct question {
    int number = 0;
    std::string text;
    core::instant asked_at;
    std::vector<std::size_t> answers;  // top-level posts of this round, in order
    std::size_t answer_count = 0;      // top-level posts
    std::size_t reply_count = 0;       // replies within the round
    int likes = 0;
    std::vector<link> links;
};

struct announcement {
    core::seq_t seq = 0;
    core::instant at;
    std::string name;
    std::string text;
};

struct contributor {
    std::string handle;
    std::string name;
    std::size_t posts = 0;
    int likes = 0;  // received
};

struct activity {
    core::instant start;
    std::int64_t bucket_seconds = 60;
    std::vector<std::size_t> posts;  // posts per bucket
};

struct statistics {
    std::size_t participants = 0;  // distinct authors of visible posts
    std::size_t posts = 0;         // visible posts, replies included
    std::size_t answers = 0;       // top-level posts in a round >= 1
    std::size_t replies = 0;
    std::size_t introductions = 0;  // posts in round 0
    int likes = 0;
    std::vector<contributor> top_contributors;  // at most 10, most posts first
    std::vector<core::seq_t> most_liked;        // at most 5 answers or replies with likes
    // Series only: handles of participants who took part in none of the series' earlier
    // sessions, sorted.
    std::optional<std::vector<std::string>> first_timers;
    std::optional<activity> over_time;
};

using core::chat_state;  // scheduled, live, ended (core/chat_marks.hpp)
using core::to_string;

struct transcript {
    core::session_config config;
    chat_state state = chat_state::scheduled;
    std::optional<core::instant> started_at;
    std::optional<core::instant> ended_at;
    std::vector<post> posts;             // visible posts in seq order
    std::vector<std::size_t> roll_call;  // top-level A0 introductions
    std::vector<question> questions;     // the questions asked, in order
    std::vector<std::size_t> other;      // top-level posts outside any question
    std::vector<announcement> announcements;
    statistics stats;

    const post* find(core::seq_t seq) const;
};

// `earlier_authors`: for a session in a series, the lower-case handles of those who posted in
// the series' earlier sessions (first-timers are computed against it).
transcript build(const core::session_config& config, const std::vector<core::event>& events,
                 const std::optional<std::set<std::string>>& earlier_authors = std::nullopt);

// The http(s) addresses in a text, trailing punctuation left out.
std::vector<std::string> links_in(std::string_view text);
// The next address at or after `from`: its offset and length.
std::optional<std::pair<std::size_t, std::size_t>> find_link(std::string_view text,
                                                             std::size_t from);

}  // namespace hashchat::archive
