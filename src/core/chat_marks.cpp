#include "core/chat_marks.hpp"

namespace hashchat::core {

std::string_view to_string(chat_state s) {
    switch (s) {
        case chat_state::scheduled:
            return "scheduled";
        case chat_state::live:
            return "live";
        case chat_state::ended:
            return "ended";
    }
    return "live";
}

void chat_marks::note(const phase_event& p, instant at) {
    if (p.state.phase == phase_kind::closed) {
        ended_at = at;
    } else if (p.state.phase != phase_kind::scheduled) {
        ended_at.reset();
        if (!started_at) started_at = at;
    }
}

chat_state chat_marks::state() const {
    return ended_at ? chat_state::ended : started_at ? chat_state::live : chat_state::scheduled;
}

}  // namespace hashchat::core
