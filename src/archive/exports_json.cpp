// The transcript as JSON (docs/transcript-schema.md).
#include <nlohmann/json.hpp>

#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/exports_common.hpp"
#include "protocol/event_json.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::archive {

namespace {

using detail::shown_replies;
using nlohmann::json;

json optional_instant(const std::optional<core::instant>& t) {
    return t ? json(protocol::format_instant(*t)) : json(nullptr);
}

// Posts are most of a transcript: they are written straight into the output (a JSON tree of
// 50,000 posts costs more than the rest of the export).
void post_json(std::string& out, const transcript& t, const export_context& ctx, const post& p,
               int depth) {
    const auto seq = std::to_string(p.seq);
    out += "{\"at\":\"" + protocol::format_instant(p.at) + "\",\"author\":";
    json_string(out, p.author);
    out += ",\"edited\":";
    out += p.edited ? "true" : "false";
    out += ",\"likes\":" + std::to_string(p.likes) + ",\"links\":[";
    for (std::size_t i = 0; i < p.links.size(); ++i) {
        if (i > 0) out += ',';
        json_string(out, p.links[i]);
    }
    out += "],\"name\":";
    json_string(out, p.name);
    out += ",\"permalink\":";
    json_string(out, ctx.base_url + permalink(t.config.id, p.seq));
    out += ",\"pinned\":";
    out += p.pinned ? "true" : "false";
    out += ",\"replies\":[";
    bool first = true;
    for (const auto i : shown_replies(t, p, depth)) {
        if (!first) out += ',';
        first = false;
        post_json(out, t, ctx, t.posts[i], depth + 1);
    }
    out += "],\"reply_to\":";
    out += p.reply_to ? std::to_string(*p.reply_to) : "null";
    out += ",\"reply_to_removed\":";
    out += p.reply_to_removed ? "true" : "false";
    out += ",\"role\":\"";
    out += core::to_string(p.author_role);
    out += "\",\"round\":";
    out += p.round ? std::to_string(*p.round) : "null";
    out += ",\"seq\":" + seq + ",\"text\":";
    json_string(out, p.text);
    out += '}';
}

// Where a list of posts goes in the document: a string no user text can be (control
// characters are refused), replaced after the rest is serialized.
std::string placeholder(std::size_t n) {
    return std::string(1, '\0') + "posts:" + std::to_string(n);
}

}  // namespace

std::string to_json(const transcript& t, const export_context& ctx) {
    const auto& c = t.config;
    const std::string api = ctx.base_url + "/api/sessions/" + c.id;
    std::vector<const std::vector<std::size_t>*> lists;
    auto posts_json = [&](const transcript&, const export_context&,
                          const std::vector<std::size_t>& items) {
        lists.push_back(&items);
        return placeholder(lists.size() - 1);
    };
    json questions = json::array();
    for (const auto& q : t.questions) {
        json links = json::array();
        for (const auto& l : q.links) {
            links.push_back({{"url", l.url}, {"seq", l.seq}, {"author", l.author}});
        }
        questions.push_back({{"number", q.number},
                             {"text", q.text},
                             {"asked_at", protocol::format_instant(q.asked_at)},
                             {"answer_count", q.answer_count},
                             {"reply_count", q.reply_count},
                             {"likes", q.likes},
                             {"links", std::move(links)},
                             {"answers", posts_json(t, ctx, q.answers)}});
    }
    json announcements = json::array();
    for (const auto& a : t.announcements) {
        announcements.push_back({{"seq", a.seq},
                                 {"at", protocol::format_instant(a.at)},
                                 {"name", a.name},
                                 {"text", a.text}});
    }
    const auto& st = t.stats;
    json top = json::array();
    for (const auto& p : st.top_contributors) {
        top.push_back(
            {{"handle", p.handle}, {"name", p.name}, {"posts", p.posts}, {"likes", p.likes}});
    }
    json liked = json::array();
    for (const auto seq : st.most_liked) {
        const auto* p = t.find(seq);
        liked.push_back({{"seq", seq},
                         {"permalink", ctx.base_url + permalink(c.id, seq)},
                         {"likes", p->likes},
                         {"author", p->author},
                         {"name", p->name},
                         {"text", p->text}});
    }
    json activity = nullptr;
    if (st.over_time) {
        activity = {{"start", protocol::format_instant(st.over_time->start)},
                    {"bucket_seconds", st.over_time->bucket_seconds},
                    {"posts", st.over_time->posts},
                    {"chart", api + "/activity.svg"}};
    }
    json stats{{"participants", st.participants},
               {"posts", st.posts},
               {"answers", st.answers},
               {"replies", st.replies},
               {"introductions", st.introductions},
               {"likes", st.likes},
               {"top_contributors", std::move(top)},
               {"most_liked", std::move(liked)},
               {"first_timers", st.first_timers ? json(*st.first_timers) : json(nullptr)},
               {"activity", std::move(activity)}};
    json doc{{"format", "hashchat-transcript"},
             {"version", json_schema_version},
             {"generated_at", protocol::format_instant(ctx.generated_at)},
             {"session",
              {{"id", c.id},
               {"hashtag", c.hashtag},
               {"title", c.title},
               {"description", c.description},
               {"mode", c.mode},
               {"timezone", c.timezone},
               {"series", c.series ? json(*c.series) : json(nullptr)},
               {"state", to_string(t.state)},
               {"started_at", optional_instant(t.started_at)},
               {"ended_at", optional_instant(t.ended_at)},
               {"url", ctx.base_url + "/archive/" + c.id},
               {"downloads",
                {{"html", api + "/transcript.html"},
                 {"md", api + "/transcript.md"},
                 {"json", api + "/transcript.json"},
                 {"csv", api + "/transcript.csv"}}}}},
             {"roll_call", posts_json(t, ctx, t.roll_call)},
             {"questions", std::move(questions)},
             {"other_posts", posts_json(t, ctx, t.other)},
             {"announcements", std::move(announcements)},
             {"stats", std::move(stats)}};
    const std::string skeleton = protocol::dump(doc);
    std::string out;
    out.reserve(skeleton.size() + t.posts.size() * 400);
    // The placeholders come out in the serializer's key order; each names its list.
    constexpr std::string_view mark = "\"\\u0000posts:";
    std::size_t at = 0;
    for (auto where = skeleton.find(mark); where != std::string::npos;
         where = skeleton.find(mark, at)) {
        out.append(skeleton, at, where - at);
        const auto digits = where + mark.size();
        const auto close = skeleton.find('"', digits);
        const auto n = std::stoul(skeleton.substr(digits, close - digits));
        out += '[';
        bool first = true;
        for (const auto i : *lists.at(n)) {
            if (!first) out += ',';
            first = false;
            post_json(out, t, ctx, t.posts[i], 1);
        }
        out += ']';
        at = close + 1;
    }
    out.append(skeleton, at, std::string::npos);
    return out;
}

}  // namespace hashchat::archive
