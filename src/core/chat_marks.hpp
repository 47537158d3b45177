// Whether a chat is scheduled, live or ended, derived once from its phase events: it started
// when its first part began, and it ended when it closed (and has not opened again since, as a
// moderator's PATCH may reopen it).
#pragma once

#include <optional>
#include <string_view>

#include "core/events.hpp"
#include "core/time.hpp"

namespace hashchat::core {

enum class chat_state { scheduled, live, ended };
std::string_view to_string(chat_state s);

struct chat_marks {
    std::optional<instant> started_at;
    std::optional<instant> ended_at;

    // A phase event of the log, in order.
    void note(const phase_event& p, instant at);
    chat_state state() const;
};

}  // namespace hashchat::core
