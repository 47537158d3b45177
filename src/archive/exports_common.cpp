#include "archive/exports_common.hpp"

#include <algorithm>

#include "archive/exports.hpp"

namespace hashchat::archive {

namespace detail {

namespace {

std::optional<core::instant> first_instant(const transcript& t) {
    if (t.started_at) return t.started_at;
    if (!t.posts.empty()) return t.posts.front().at;
    return t.config.timetable.start;
}

}  // namespace

std::vector<std::size_t> shown_replies(const transcript& t, const post& p, int depth) {
    if (depth < max_nesting) return p.replies;
    if (depth > max_nesting) return {};
    std::vector<std::size_t> all;
    std::vector<std::size_t> todo(p.replies.rbegin(), p.replies.rend());
    while (!todo.empty()) {
        const auto i = todo.back();
        todo.pop_back();
        all.push_back(i);
        const auto& r = t.posts[i].replies;
        todo.insert(todo.end(), r.rbegin(), r.rend());
    }
    std::sort(all.begin(), all.end());
    return all;
}

std::string title_line(const transcript& t) {
    return t.config.title.empty() ? t.config.hashtag : t.config.hashtag + ": " + t.config.title;
}

std::string when_line(const transcript& t, local_clock& clock) {
    const auto from = first_instant(t);
    if (!from) return "Not yet scheduled";
    std::string s = clock.long_date(*from) + ", " + clock.time_of_day(*from);
    if (t.ended_at) {
        s += "\u2013";
        s += *t.ended_at - *from < std::chrono::hours(20)
                 ? clock.time_of_day(*t.ended_at)
                 : clock.long_date(*t.ended_at) + ", " + clock.time_of_day(*t.ended_at);
    }
    return s + " (" + clock.zone() + ")";
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string stamp(const transcript& t, local_clock& clock, core::instant at) {
    return t.config.mode == "slow" ? clock.date_time(at) : clock.time_of_day(at);
}

}  // namespace detail

std::string permalink(const std::string& session_id, core::seq_t seq) {
    return "/archive/" + session_id + "#p" + std::to_string(seq);
}

}  // namespace hashchat::archive
