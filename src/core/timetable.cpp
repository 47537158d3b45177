#include "core/timetable.hpp"

#include <algorithm>

namespace hashchat::core {

std::string_view to_string(phase_kind kind) {
    switch (kind) {
        case phase_kind::scheduled:
            return "scheduled";
        case phase_kind::intro:
            return "intro";
        case phase_kind::talk:
            return "talk";
        case phase_kind::round:
            return "round";
        case phase_kind::wrapup:
            return "wrapup";
        case phase_kind::closed:
            return "closed";
        case phase_kind::paused:
            return "paused";
    }
    return "unknown";
}

std::optional<phase_kind> phase_from_string(std::string_view s) {
    for (auto k : {phase_kind::scheduled, phase_kind::intro, phase_kind::talk, phase_kind::round,
                   phase_kind::wrapup, phase_kind::closed, phase_kind::paused}) {
        if (to_string(k) == s) return k;
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, phase_kind kind) { return os << to_string(kind); }

std::ostream& operator<<(std::ostream& os, const phase_state& s) {
    os << "{" << s.phase << " segment=" << s.segment;
    if (s.started_at) os << " started_at=" << s.started_at->time_since_epoch().count();
    if (s.ends_at) os << " ends_at=" << s.ends_at->time_since_epoch().count();
    if (s.phase == phase_kind::paused) {
        os << " remaining=" << s.remaining.count() << " resume=" << s.resume_phase;
    }
    return os << "}";
}

std::optional<control_action> control_from_string(std::string_view s) {
    for (auto a : {control_action::start, control_action::next, control_action::extend,
                   control_action::pause, control_action::resume, control_action::end,
                   control_action::release, control_action::postpone}) {
        if (to_string(a) == s) return a;
    }
    return std::nullopt;
}

std::string_view to_string(control_action a) {
    switch (a) {
        case control_action::start:
            return "start";
        case control_action::next:
            return "next";
        case control_action::extend:
            return "extend";
        case control_action::pause:
            return "pause";
        case control_action::resume:
            return "resume";
        case control_action::end:
            return "end";
        case control_action::release:
            return "release";
        case control_action::postpone:
            return "postpone";
    }
    return "unknown";
}

std::vector<segment> segments_of(const live_timetable& tt) {
    std::vector<segment> out;
    if (tt.slow) {
        // One part per released question; it lasts until the next release (or the close).
        const auto n = tt.questions.size();
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = static_cast<int>(i + 1);
            const duration len = i + 1 < n && i + 1 < tt.releases.size() && i < tt.releases.size()
                                     ? tt.releases[i + 1] - tt.releases[i]
                                     : tt.close_after;
            out.push_back({phase_kind::round, r, r, std::max(len, duration{1})});
        }
        return out;
    }
    if (tt.intro_minutes > 0) {
        out.push_back({phase_kind::intro, 0, 0, minutes(tt.intro_minutes)});
    }
    int n = 0;
    for (const auto& q : tt.questions) {
        ++n;
        const int talk = q.talk_minutes.value_or(tt.talk_minutes);
        const int round = q.round_minutes.value_or(tt.round_minutes);
        if (talk > 0) out.push_back({phase_kind::talk, n, n, minutes(talk)});
        out.push_back({phase_kind::round, n, n, minutes(std::max(round, 1))});
    }
    if (tt.wrapup_minutes > 0) {
        out.push_back({phase_kind::wrapup, std::nullopt, n, minutes(tt.wrapup_minutes)});
    }
    return out;
}

live_schedule::live_schedule(live_timetable tt) : tt_(std::move(tt)), segments_(segments_of(tt_)) {}

phase_state live_schedule::initial() const {
    phase_state s;
    s.phase = phase_kind::scheduled;
    s.segment = -1;
    s.ends_at = tt_.start;  // a scheduled start is when the waiting ends
    if (tt_.slow) {
        s.ends_at = tt_.releases.empty() ? std::nullopt : std::optional<instant>(tt_.releases[0]);
    }
    return s;
}

phase_state live_schedule::enter(int index, instant at) const {
    phase_state s;
    s.segment = index;
    if (index >= static_cast<int>(segments_.size())) {
        s.phase = phase_kind::closed;
        s.segment = static_cast<int>(segments_.size());
        return s;
    }
    const auto& seg = segments_[static_cast<std::size_t>(index)];
    s.phase = seg.kind;
    s.started_at = at;
    s.ends_at = at + seg.length;
    if (tt_.slow) {
        // The next question comes at its scheduled instant, never before this one; after the
        // last, the chat stays open for `close_after`.
        const auto next = static_cast<std::size_t>(index) + 1;
        s.ends_at = next < segments_.size() && next < tt_.releases.size()
                        ? std::max(tt_.releases[next], at)
                        : at + tt_.close_after;
    }
    return s;
}

std::vector<phase_change> live_schedule::advance(const phase_state& from, instant now) const {
    std::vector<phase_change> out;
    phase_state s = from;
    while (true) {
        if (s.phase == phase_kind::scheduled) {
            if (!s.ends_at || *s.ends_at > now) break;
            const instant at = *s.ends_at;
            s = enter(0, at);
            out.push_back({s, at});
            continue;
        }
        if (s.phase == phase_kind::closed || s.phase == phase_kind::paused) break;
        if (!s.ends_at || *s.ends_at > now) break;
        const instant at = *s.ends_at;
        s = enter(s.segment + 1, at);
        out.push_back({s, at});
    }
    return out;
}

std::optional<instant> live_schedule::next_due(const phase_state& s) const {
    if (s.phase == phase_kind::closed || s.phase == phase_kind::paused) return std::nullopt;
    return s.ends_at;
}

result<phase_state> live_schedule::control(const phase_state& s, control_action action,
                                           int minutes_arg, instant now) const {
    if (s.phase == phase_kind::closed) {
        return make_error(error_code::closed, "The chat has ended.");
    }
    if (tt_.slow) {
        // Slow chats: "release" brings the next question now, "postpone" pushes it back.
        if (action == control_action::release) action = control_action::next;
        if (action == control_action::postpone) action = control_action::extend;
    }
    const int max_extend = tt_.slow ? 7 * 24 * 60 : 120;
    if (tt_.slow && action == control_action::next && s.phase != phase_kind::scheduled &&
        (s.phase == phase_kind::paused ? s.segment : s.segment) + 1 >=
            static_cast<int>(segments_.size())) {
        // Every question is out: the chat stays open until its close (or "end").
        return make_error(error_code::bad_request,
                          "Every question is already out; use \"end\" to close the chat now.");
    }
    switch (action) {
        case control_action::start:
            if (s.phase != phase_kind::scheduled) {
                return make_error(error_code::bad_request, "The chat has already started.");
            }
            return enter(0, now);
        case control_action::next:
            if (s.phase == phase_kind::scheduled) return enter(0, now);
            return enter(s.segment + 1, now);
        case control_action::extend: {
            if (minutes_arg < 1 || minutes_arg > max_extend) {
                return make_error(error_code::bad_request, "Extend by 1 to " +
                                                               std::to_string(max_extend) +
                                                               " minutes (field \"minutes\").");
            }
            phase_state out = s;
            if (s.phase == phase_kind::scheduled) {
                if (!s.ends_at) {
                    return make_error(error_code::bad_request,
                                      "The chat has no scheduled start to push back.");
                }
                out.ends_at = *s.ends_at + minutes(minutes_arg);  // the start comes later
                return out;
            }
            if (s.phase == phase_kind::paused) {
                out.remaining += minutes(minutes_arg);
            } else {
                out.ends_at = *s.ends_at + minutes(minutes_arg);
            }
            return out;
        }
        case control_action::pause: {
            if (s.phase == phase_kind::scheduled) {
                return make_error(error_code::bad_request, "The chat has not started yet.");
            }
            if (s.phase == phase_kind::paused) {
                return make_error(error_code::bad_request, "The chat is already paused.");
            }
            phase_state out = s;
            out.phase = phase_kind::paused;
            out.resume_phase = s.phase;
            out.remaining = std::max(duration{0}, *s.ends_at - now);
            out.started_at.reset();
            out.ends_at.reset();
            return out;
        }
        case control_action::resume: {
            if (s.phase != phase_kind::paused) {
                return make_error(error_code::bad_request, "The chat is not paused.");
            }
            phase_state out = s;
            out.phase = s.resume_phase;
            out.resume_phase = phase_kind::scheduled;
            const auto& seg = segments_[static_cast<std::size_t>(s.segment)];
            // The countdown continues with the time that was left; the bar starts where it was.
            out.ends_at = now + s.remaining;
            out.started_at = *out.ends_at - std::max(seg.length, s.remaining);
            out.remaining = duration{0};
            return out;
        }
        case control_action::end:
            return enter(static_cast<int>(segments_.size()), now);
        case control_action::release:
        case control_action::postpone:
            return make_error(error_code::bad_request,
                              "Releasing questions belongs to slow chats; this chat is live.");
    }
    return make_error(error_code::bad_request, "Unknown control action.");
}

std::optional<int> live_schedule::round_of(const phase_state& s) const {
    if (s.segment < 0 || s.segment >= static_cast<int>(segments_.size())) return std::nullopt;
    return segments_[static_cast<std::size_t>(s.segment)].round;
}

std::optional<std::string> live_schedule::question_of(const phase_state& s) const {
    const auto r = round_of(s);
    if (!r || *r < 1 || *r > static_cast<int>(tt_.questions.size())) return std::nullopt;
    return tt_.questions[static_cast<std::size_t>(*r - 1)].text;
}

std::optional<instant> live_schedule::scheduled_release(const phase_state& s) const {
    if (!tt_.slow || s.phase != phase_kind::round || s.segment < 0 ||
        static_cast<std::size_t>(s.segment) >= tt_.releases.size()) {
        return std::nullopt;
    }
    return tt_.releases[static_cast<std::size_t>(s.segment)];
}

int live_schedule::asked(const phase_state& s) const {
    if (s.segment < 0) return 0;
    if (s.segment >= static_cast<int>(segments_.size())) {
        return static_cast<int>(tt_.questions.size());
    }
    return segments_[static_cast<std::size_t>(s.segment)].asked;
}

}  // namespace hashchat::core
