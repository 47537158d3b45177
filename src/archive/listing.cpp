#include "archive/listing.hpp"

#include <algorithm>
#include <chrono>

#include "core/text.hpp"

namespace hashchat::archive {

core::instant listed_at(const session_summary& s) {
    if (s.started_at) return *s.started_at;
    if (s.config.timetable.start) return *s.config.timetable.start;
    return s.config.created_at;
}

listing list_sessions(std::vector<session_summary>& all, const listing_filter& f, std::size_t limit,
                      std::size_t offset) {
    std::sort(all.begin(), all.end(), [](const session_summary& a, const session_summary& b) {
        return listed_at(a) != listed_at(b) ? listed_at(a) > listed_at(b)
                                            : a.config.id < b.config.id;
    });
    listing out;
    const auto tag = f.hashtag ? std::optional(core::hashtag_key(*f.hashtag)) : std::nullopt;
    for (const auto& s : all) {
        const auto key = core::hashtag_key(s.config.hashtag);
        ++out.hashtags[key];
        const auto at = listed_at(s);
        if (tag && *tag != key) continue;
        if (f.series && s.config.series != f.series) continue;
        if (f.state && *f.state != s.state) continue;
        if (f.from && at < *f.from) continue;
        if (f.to && at >= *f.to + std::chrono::hours(24)) continue;
        if (out.total >= offset && out.page.size() < limit) out.page.push_back(&s);
        ++out.total;
    }
    return out;
}

std::vector<session_summary> feed_sessions(std::vector<session_summary> all,
                                           const std::optional<std::string>& hashtag,
                                           std::size_t most) {
    const auto tag = hashtag ? std::optional(core::hashtag_key(*hashtag)) : std::nullopt;
    std::erase_if(all, [&](const session_summary& s) {
        return s.state != core::chat_state::ended || !s.ended_at ||
               (tag && *tag != core::hashtag_key(s.config.hashtag));
    });
    std::sort(all.begin(), all.end(), [](const session_summary& a, const session_summary& b) {
        return *a.ended_at != *b.ended_at ? *a.ended_at > *b.ended_at : a.config.id < b.config.id;
    });
    if (all.size() > most) all.resize(most);
    return all;
}

}  // namespace hashchat::archive
