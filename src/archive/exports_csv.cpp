// The transcript as CSV: one row per post.
#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/local_clock.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::archive {

namespace {

std::string_view kind_of(const transcript& t, const post& p) {
    if (p.reply_to && !p.reply_to_removed) return "reply";
    if (p.round && *p.round == 0) return "introduction";
    if (p.round) {
        for (const auto& q : t.questions) {
            if (q.number == *p.round) return "answer";
        }
    }
    return "post";
}

}  // namespace

std::string to_csv(const transcript& t, const export_context& ctx) {
    local_clock clock(t.config.timezone);
    std::string out = "\xEF\xBB\xBF";
    out.reserve(t.posts.size() * 260 + 256);
    out +=
        "session,seq,permalink,posted_at_utc,local_time,question,kind,reply_to,author,name,"
        "role,text,likes,edited\r\n";
    for (const auto& p : t.posts) {
        csv_cell(out, t.config.id);
        out += ',';
        out += std::to_string(p.seq);
        out += ',';
        csv_cell(out, ctx.base_url + permalink(t.config.id, p.seq));
        out += ",";
        csv_cell(out, protocol::format_instant(p.at));
        out += ",";
        csv_cell(out, clock.date_time(p.at));
        out += ",";
        if (p.round) out += std::to_string(*p.round);
        out += ",";
        out += kind_of(t, p);
        out += ",";
        if (p.reply_to) out += std::to_string(*p.reply_to);
        out += ",";
        csv_cell(out, p.author);
        out += ",";
        csv_cell(out, p.name);
        out += ",";
        out += core::to_string(p.author_role);
        out += ",";
        csv_cell(out, p.text);
        out += ',';
        out += std::to_string(p.likes);
        out += p.edited ? ",yes\r\n" : ",no\r\n";
    }
    return out;
}

}  // namespace hashchat::archive
