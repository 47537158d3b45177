// A live chat as the server would have logged it, made up deterministically: the phase events of
// its timetable (intro, ten questions, wrap-up, closed), introductions, answers "A<n> ...",
// replies (some nested, a few long back-and-forth threads), likes, edits, deletions, hidden
// posts, pins, announcements and links, by participants with ASCII and non-ASCII names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat_text.hpp"
#include "core/events.hpp"
#include "core/session.hpp"

namespace hashchat::bench {

struct chat_params {
    std::string id;
    std::string hashtag;
    core::instant start;
    std::size_t posts = 0;
    std::size_t participants = 0;  // 0: one per 25 posts, at least 30
    std::uint64_t seed = 1;
};

struct live_chat {
    core::session_config config;
    std::vector<core::event> events;  // seq 1, 2, ... in order
    std::size_t posts = 0;
};

live_chat make_live_chat(const chat_params& p, const chat_text& text);

}  // namespace hashchat::bench
