#include "archive/exports.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "archive/escape.hpp"
#include "archive/local_clock.hpp"
#include "core/text.hpp"
#include "protocol/event_json.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::archive {

namespace {

using nlohmann::json;

// Replies nest this deep; deeper ones are listed, in order, under the deepest shown.
constexpr int max_nesting = 6;

// The replies to show under `p` at `depth`: its own; at the deepest level all its descendants
// in seq order; below that (the descendants so listed) none.
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

std::optional<core::instant> first_instant(const transcript& t) {
    if (t.started_at) return t.started_at;
    if (!t.posts.empty()) return t.posts.front().at;
    return t.config.timetable.start;
}

// "Thursday 26 November 2026, 19:00–20:02 (Europe/London)"
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

// ---- HTML ----

constexpr std::string_view page_style = R"css(
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--line:#d9dce1;--accent:#2f5fcf;--bg:#fff;--mark:#fff3bf}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#a0a4aa;--line:#3c4043;--accent:#8ab4f8;--bg:#17181a;--mark:#5c4b00}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:46rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header .tag{margin:0;color:var(--accent);font-weight:600}
h1{margin:.2rem 0;font-size:1.6rem;line-height:1.25}
h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:2px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .25rem}
.meta,.asked,.by{color:var(--muted);font-size:.9rem}
ol.answers,ol.replies,ul.roll{list-style:none;margin:0;padding:0}
ol.replies{margin:.4rem 0 0 .9rem;padding-left:.8rem;border-left:2px solid var(--line)}
li.post{margin:.6rem 0}
li.post:target>.text,li.post:target>.by{background:var(--mark)}
.name{font-weight:600;color:var(--fg)}
.by a{color:var(--muted);text-decoration:none}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.removed{font-style:italic}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line)}
td.n,th.n{text-align:right}
dl.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;margin:0}
dl.figures div{border:1px solid var(--line);border-radius:.5rem;padding:.5rem}
dl.figures dt{color:var(--muted);font-size:.85rem}
dl.figures dd{margin:0;font-size:1.4rem;font-weight:600}
.chart svg{width:100%;height:auto}
footer{margin-top:3rem;color:var(--muted);font-size:.8rem}
@media print{body{max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}nav{display:none}
h2{break-after:avoid}li.post{break-inside:avoid}ol.replies{border-left:1px solid #999}}
)css";

class html_writer {
  public:
    html_writer(const transcript& t, const export_context& ctx)
        : t_(t), ctx_(ctx), clock_(t.config.timezone) {
        out_.reserve(t.posts.size() * 420 + 8192);
    }

    std::string render() {
        const auto& c = t_.config;
        const std::string page = ctx_.base_url + "/archive/" + c.id;
        out_ += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
        out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
        out_ += "<title>";
        html_escape(out_, title_line(t_));
        out_ += " \u2014 transcript</title>\n<meta name=\"description\" content=\"";
        html_escape(out_, description());
        out_ += "\">\n<link rel=\"canonical\" href=\"";
        html_escape(out_, page);
        out_ += "\">\n<meta name=\"generator\" content=\"hashchat\">\n<style>";
        out_ += page_style;
        out_ += "</style>\n</head>\n<body>\n<header>\n<p class=\"tag\">";
        html_escape(out_, c.hashtag);
        out_ += "</p>\n<h1 dir=\"auto\">";
        html_escape(out_, c.title.empty() ? c.hashtag : c.title);
        out_ += "</h1>\n<p class=\"meta\">";
        html_escape(out_, when_line(t_, clock_));
        out_ += " \u00b7 " + plural(t_.stats.participants, "participant", "participants") +
                " \u00b7 " + plural(t_.stats.posts, "post", "posts");
        if (t_.state != chat_state::ended) {
            out_ += " \u00b7 <strong>";
            out_ += t_.state == chat_state::live ? "live: this transcript is still growing"
                                                 : "not started yet";
            out_ += "</strong>";
        }
        out_ += "</p>\n";
        if (!c.description.empty()) {
            out_ += "<p class=\"text\" dir=\"auto\">";
            text(c.description);
            out_ += "</p>\n";
        }
        out_ += "<nav><a href=\"";
        html_escape(out_, page);
        out_ += "\">Archive page</a> \u00b7 Download: ";
        const std::string base = ctx_.base_url + "/api/sessions/" + c.id + "/transcript.";
        for (const char* ext : {"md", "csv", "json"}) {
            out_ += "<a href=\"";
            html_escape(out_, base + ext);
            out_ += "\">";
            out_ += ext;
            out_ += "</a> ";
        }
        out_ += "</nav>\n</header>\n<main>\n";
        roll_call();
        for (const auto& q : t_.questions) question(q);
        if (!t_.other.empty()) {
            out_ += "<section id=\"other\">\n<h2>Other posts</h2>\n<ol class=\"answers\">\n";
            for (const auto i : t_.other) post_item(t_.posts[i], 1);
            out_ += "</ol>\n</section>\n";
        }
        announcements();
        statistics();
        out_ += "</main>\n<footer>Transcript made by hashchat on ";
        html_escape(out_, protocol::format_instant(ctx_.generated_at));
        out_ +=
            ". Hidden and deleted posts are left out; edited posts are shown as last "
            "edited.</footer>\n</body>\n</html>\n";
        return std::move(out_);
    }

  private:
    std::string description() const {
        std::string d = t_.config.description;
        if (d.size() > 300) {
            auto cut = d.rfind(' ', 300);
            d.resize(cut == std::string::npos ? 300 : cut);
            // Do not end inside a UTF-8 sequence.
            while (!d.empty() && (static_cast<unsigned char>(d.back()) & 0xC0) == 0x80)
                d.pop_back();
            if (!d.empty() && static_cast<unsigned char>(d.back()) >= 0xC0) d.pop_back();
            d += "\u2026";
        }
        if (!d.empty()) d += " ";
        return d + "Transcript of " + title_line(t_) + ": " +
               plural(t_.questions.size(), "question", "questions") + ", " +
               plural(t_.stats.posts, "post", "posts") + ".";
    }

    // User text with its links made into links; newlines kept by the stylesheet.
    void text(std::string_view s) {
        std::size_t at = 0;
        while (auto l = find_link(s, at)) {
            html_escape(out_, s.substr(at, l->first - at));
            const auto url = s.substr(l->first, l->second);
            out_ += "<a rel=\"nofollow ugc noopener\" href=\"";
            html_escape(out_, url);
            out_ += "\">";
            html_escape(out_, url);
            out_ += "</a>";
            at = l->first + l->second;
        }
        html_escape(out_, s.substr(at));
    }

    void byline(const post& p) {
        const std::string anchor = "p" + std::to_string(p.seq);
        out_ += "<div class=\"by\"><span class=\"name\" dir=\"auto\">";
        html_escape(out_, p.name);
        out_ += "</span> <span class=\"handle\">@";
        html_escape(out_, p.author);
        out_ += "</span>";
        if (p.author_role == core::role::moderator) out_ += " (moderator)";
        out_ += " \u00b7 <a href=\"#" + anchor + "\"><time datetime=\"" +
                protocol::format_instant(p.at) + "\">" + stamp(t_, clock_, p.at) + "</time></a>";
        if (p.likes > 0)
            out_ += " \u00b7 " + plural(static_cast<std::size_t>(p.likes), "like", "likes");
        if (p.edited) out_ += " \u00b7 edited";
        if (p.pinned) out_ += " \u00b7 pinned";
        if (p.reply_to_removed) {
            out_ += " \u00b7 <span class=\"removed\">in reply to a removed post</span>";
        }
        out_ += "</div>";
    }

    void post_item(const post& p, int depth) {
        out_ += "<li class=\"post\" id=\"p" + std::to_string(p.seq) + "\">";
        byline(p);
        out_ += "<div class=\"text\" dir=\"auto\">";
        text(p.text);
        out_ += "</div>";
        const auto replies = shown_replies(t_, p, depth);
        if (!replies.empty()) {
            out_ += "\n<ol class=\"replies\">\n";
            for (const auto i : replies) {
                post_item(t_.posts[i], depth + 1);
            }
            out_ += "</ol>";
        }
        out_ += "</li>\n";
    }

    void roll_call() {
        if (t_.roll_call.empty()) return;
        out_ += "<section id=\"roll-call\">\n<h2>Roll call</h2>\n<ol class=\"answers roll\">\n";
        for (const auto i : t_.roll_call) post_item(t_.posts[i], 1);
        out_ += "</ol>\n</section>\n";
    }

    void question(const archive::question& q) {
        const std::string n = std::to_string(q.number);
        out_ += "<section class=\"question\" id=\"q" + n + "\">\n<h2 dir=\"auto\">Q" + n + ". ";
        html_escape(out_, q.text);
        out_ += "</h2>\n<p class=\"asked\">Asked <time datetime=\"" +
                protocol::format_instant(q.asked_at) + "\">" + stamp(t_, clock_, q.asked_at) +
                "</time> \u00b7 " + plural(q.answer_count, "answer", "answers") + " \u00b7 " +
                plural(q.reply_count, "reply", "replies") + "</p>\n<ol class=\"answers\">\n";
        for (const auto i : q.answers) post_item(t_.posts[i], 1);
        out_ += "</ol>\n";
        if (!q.links.empty()) {
            out_ += "<h3>Links shared</h3>\n<ul class=\"links\">\n";
            for (const auto& l : q.links) {
                out_ += "<li><a rel=\"nofollow ugc noopener\" href=\"";
                html_escape(out_, l.url);
                out_ += "\">";
                html_escape(out_, l.url);
                out_ += "</a> (<a href=\"#p" + std::to_string(l.seq) + "\">@";
                html_escape(out_, l.author);
                out_ += "</a>)</li>\n";
            }
            out_ += "</ul>\n";
        }
        out_ += "</section>\n";
    }

    void announcements() {
        if (t_.announcements.empty()) return;
        out_ += "<section id=\"announcements\">\n<h2>Announcements</h2>\n<ul>\n";
        for (const auto& a : t_.announcements) {
            out_ += "<li id=\"p" + std::to_string(a.seq) +
                    "\"><span class=\"by\"><time datetime=\"" + protocol::format_instant(a.at) +
                    "\">" + stamp(t_, clock_, a.at) + "</time> <span class=\"name\">";
            html_escape(out_, a.name);
            out_ += "</span></span> <span class=\"text\" dir=\"auto\">";
            text(a.text);
            out_ += "</span></li>\n";
        }
        out_ += "</ul>\n</section>\n";
    }

    void figure(std::string_view label, std::size_t n) {
        out_ += "<div><dt>";
        out_ += label;
        out_ += "</dt><dd>" + std::to_string(n) + "</dd></div>";
    }

    void statistics() {
        const auto& st = t_.stats;
        out_ += "<section id=\"statistics\">\n<h2>Statistics</h2>\n<dl class=\"figures\">";
        figure("Participants", st.participants);
        figure("Posts", st.posts);
        figure("Answers", st.answers);
        figure("Replies", st.replies);
        figure("Likes", static_cast<std::size_t>(st.likes));
        if (st.first_timers) figure("First-timers", st.first_timers->size());
        out_ += "</dl>\n";
        if (const auto svg = activity_svg(t_); !svg.empty()) {
            out_ += "<h3>Posts over time</h3>\n<div class=\"chart\">" + svg + "</div>\n";
        }
        if (!t_.questions.empty()) {
            out_ +=
                "<h3>Answers per question</h3>\n<table><thead><tr><th>Question</th><th "
                "class=\"n\">Answers</th><th class=\"n\">Replies</th><th "
                "class=\"n\">Likes</th></tr></thead><tbody>\n";
            for (const auto& q : t_.questions) {
                const std::string n = std::to_string(q.number);
                out_ += "<tr><td><a href=\"#q" + n + "\">Q" + n + "</a> <span dir=\"auto\">";
                html_escape(out_, q.text);
                out_ += "</span></td><td class=\"n\">" + std::to_string(q.answer_count) +
                        "</td><td class=\"n\">" + std::to_string(q.reply_count) +
                        "</td><td class=\"n\">" + std::to_string(q.likes) + "</td></tr>\n";
            }
            out_ += "</tbody></table>\n";
        }
        if (!st.top_contributors.empty()) {
            out_ += "<h3>Top contributors</h3>\n<ol class=\"contributors\">\n";
            for (const auto& c : st.top_contributors) {
                out_ += "<li><span class=\"name\" dir=\"auto\">";
                html_escape(out_, c.name);
                out_ += "</span> @";
                html_escape(out_, c.handle);
                out_ += " \u00b7 " + plural(c.posts, "post", "posts") + " \u00b7 " +
                        plural(static_cast<std::size_t>(c.likes), "like", "likes") + "</li>\n";
            }
            out_ += "</ol>\n";
        }
        if (!st.most_liked.empty()) {
            out_ += "<h3>Most liked</h3>\n<ol class=\"most-liked\">\n";
            for (const auto seq : st.most_liked) {
                const auto* p = t_.find(seq);
                out_ += "<li><a href=\"#p" + std::to_string(seq) + "\">" +
                        plural(static_cast<std::size_t>(p->likes), "like", "likes") +
                        "</a> <span class=\"name\" dir=\"auto\">";
                html_escape(out_, p->name);
                out_ += "</span>: <span dir=\"auto\">";
                html_escape(out_,
                            p->text.size() > 160 ? p->text.substr(0, 160) + "\u2026" : p->text);
                out_ += "</span></li>\n";
            }
            out_ += "</ol>\n";
        }
        if (st.first_timers && !st.first_timers->empty()) {
            out_ += "<h3>First time in this series</h3>\n<p>";
            bool first = true;
            for (const auto& h : *st.first_timers) {
                if (!first) out_ += ", ";
                first = false;
                out_ += "@";
                html_escape(out_, h);
            }
            out_ += "</p>\n";
        }
        out_ += "</section>\n";
    }

    const transcript& t_;
    const export_context& ctx_;
    local_clock clock_;
    std::string out_;
};

// ---- Markdown ----

class markdown_writer {
  public:
    markdown_writer(const transcript& t, const export_context& ctx)
        : t_(t), ctx_(ctx), clock_(t.config.timezone) {
        out_.reserve(t.posts.size() * 300 + 4096);
    }

    std::string render() {
        const auto& c = t_.config;
        out_ += "# ";
        markdown_escape(out_, title_line(t_));
        out_ += "\n\n_";
        markdown_escape(out_, when_line(t_, clock_));
        out_ += " \u00b7 " + plural(t_.stats.participants, "participant", "participants") +
                " \u00b7 " + plural(t_.stats.posts, "post", "posts") + "_\n\n";
        if (!c.description.empty()) {
            markdown_lines(out_, c.description, "", true);
            out_ += "\n\n";
        }
        out_ += "Archive: <" + ctx_.base_url + "/archive/" + c.id + ">\n";
        if (!t_.roll_call.empty()) {
            out_ += "\n## Roll call\n\n";
            for (const auto i : t_.roll_call) item(t_.posts[i], 1);
        }
        for (const auto& q : t_.questions) {
            out_ += "\n## Q" + std::to_string(q.number) + ". ";
            markdown_escape(out_, q.text);
            out_ += "\n\n";
            for (const auto i : q.answers) item(t_.posts[i], 1);
            if (!q.links.empty()) {
                out_ += "\n**Links shared**\n\n";
                for (const auto& l : q.links) out_ += "- <" + l.url + ">\n";
            }
        }
        if (!t_.other.empty()) {
            out_ += "\n## Other posts\n\n";
            for (const auto i : t_.other) item(t_.posts[i], 1);
        }
        if (!t_.announcements.empty()) {
            out_ += "\n## Announcements\n\n";
            for (const auto& a : t_.announcements) {
                out_ += "- " + stamp(t_, clock_, a.at) + " **";
                markdown_escape(out_, a.name);
                out_ += "**: ";
                markdown_lines(out_, a.text, "  ", false);
                out_ += "\n";
            }
        }
        const auto& st = t_.stats;
        out_ +=
            "\n## Statistics\n\n| Participants | Posts | Answers | Replies | Likes |\n"
            "| ---: | ---: | ---: | ---: | ---: |\n| " +
            std::to_string(st.participants) + " | " + std::to_string(st.posts) + " | " +
            std::to_string(st.answers) + " | " + std::to_string(st.replies) + " | " +
            std::to_string(st.likes) + " |\n";
        if (!st.top_contributors.empty()) {
            out_ += "\n**Top contributors**\n\n";
            int rank = 0;
            for (const auto& p : st.top_contributors) {
                out_ += std::to_string(++rank) + ". ";
                markdown_escape(out_, p.name + " (@" + p.handle + ")", true);
                out_ += ": " + plural(p.posts, "post", "posts") + ", " +
                        plural(static_cast<std::size_t>(p.likes), "like", "likes") + "\n";
            }
        }
        if (st.first_timers && !st.first_timers->empty()) {
            out_ += "\n**First time in this series:** ";
            bool first = true;
            for (const auto& h : *st.first_timers) {
                if (!first) out_ += ", ";
                first = false;
                markdown_escape(out_, "@" + h);
            }
            out_ += "\n";
        }
        return std::move(out_);
    }

  private:
    void item(const post& p, int depth) {
        const std::string indent(static_cast<std::size_t>(depth - 1) * 2, ' ');
        out_ += indent + "- **";
        markdown_escape(out_, p.name);
        out_ += "** ";
        markdown_escape(out_, "@" + p.author);
        out_ += " \u00b7 [" + stamp(t_, clock_, p.at) + "](" + ctx_.base_url +
                permalink(t_.config.id, p.seq) + ")";
        if (p.likes > 0)
            out_ += " \u00b7 " + plural(static_cast<std::size_t>(p.likes), "like", "likes");
        if (p.edited) out_ += " \u00b7 edited";
        if (p.reply_to_removed) out_ += " \u00b7 _in reply to a removed post_";
        out_ += ": ";
        markdown_lines(out_, p.text, indent + "  ", false);
        out_ += "\n";
        for (const auto i : shown_replies(t_, p, depth)) {
            item(t_.posts[i], depth + 1);
        }
    }

    const transcript& t_;
    const export_context& ctx_;
    local_clock clock_;
    std::string out_;
};

// ---- JSON ----

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

// ---- CSV ----

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

std::string permalink(const std::string& session_id, core::seq_t seq) {
    return "/archive/" + session_id + "#p" + std::to_string(seq);
}

std::string to_html(const transcript& t, const export_context& ctx) {
    return html_writer(t, ctx).render();
}

std::string to_markdown(const transcript& t, const export_context& ctx) {
    return markdown_writer(t, ctx).render();
}

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

std::string to_csv(const transcript& t, const export_context& ctx) {
    local_clock clock(t.config.timezone);
    std::string out = "\xEF\xBB\xBF";
    out.reserve(t.posts.size() * 260 + 256);
    out +=
        "session,seq,permalink,posted_at_utc,local_time,question,kind,reply_to,author,name,"
        "role,text,likes,edited\r\n";
    for (const auto& p : t.posts) {
        csv_cell(out, t.config.id);
        out += "," + std::to_string(p.seq) + ",";
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
        out += "," + std::to_string(p.likes) + "," + (p.edited ? "yes" : "no") + "\r\n";
    }
    return out;
}

std::string activity_svg(const transcript& t) {
    if (!t.stats.over_time) return "";
    const auto& a = *t.stats.over_time;
    local_clock clock(t.config.timezone);
    constexpr int width = 720;
    constexpr int height = 240;
    constexpr int left = 44;
    constexpr int right = 12;
    constexpr int top = 24;
    constexpr int bottom = 36;
    const int plot_w = width - left - right;
    const int plot_h = height - top - bottom;
    const std::size_t n = a.posts.size();
    std::size_t peak = 1;
    std::size_t peak_at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (a.posts[i] > peak) {
            peak = a.posts[i];
            peak_at = i;
        }
    }
    // A round top for the axis: 1, 2, 5 x 10^k.
    std::size_t scale = 1;
    while (scale < peak) {
        const auto s = scale;
        scale = s * 2 >= peak ? s * 2 : s * 5 >= peak ? s * 5 : s * 10;
    }
    const double bar_w = static_cast<double>(plot_w) / static_cast<double>(n);
    const auto bucket = std::chrono::seconds(a.bucket_seconds);
    auto label = [&](core::instant at) {
        return a.bucket_seconds >= 21600 ? clock.date_time(at).substr(5, 5) : clock.time_of_day(at);
    };
    auto fmt = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return std::string(buf);
    };
    std::string s;
    s.reserve(4096 + n * 120);
    std::string title = "Posts over time, " + title_line(t);
    const std::string interval =
        a.bucket_seconds < 3600    ? std::to_string(a.bucket_seconds / 60) + " min"
        : a.bucket_seconds < 86400 ? std::to_string(a.bucket_seconds / 3600) + " h"
                                   : std::to_string(a.bucket_seconds / 86400) + " d";
    std::string desc =
        std::to_string(t.stats.posts) + " posts in " + std::to_string(n) + " intervals of " +
        interval + "; busiest: " + std::to_string(a.posts.empty() ? 0 : a.posts[peak_at]) +
        " posts from " + label(a.start + bucket * peak_at) + " (" + clock.zone() + ").";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(width) + " " +
         std::to_string(height) + "\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) +
         "\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" "
         "font-family=\"system-ui,sans-serif\" font-size=\"11\">";
    s += "<title id=\"chart-title\">";
    xml_escape(s, title);
    s += "</title><desc id=\"chart-desc\">";
    xml_escape(s, desc);
    s += "</desc>";
    // Grid lines and their values.
    for (int g = 0; g <= 2; ++g) {
        const double y = top + plot_h - plot_h * g / 2.0;
        s += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(width - right) +
             "\" y1=\"" + fmt(y) + "\" y2=\"" + fmt(y) +
             "\" stroke=\"#9aa0a6\" stroke-opacity=\"0.4\"/>";
        s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + fmt(y + 4) +
             "\" text-anchor=\"end\" fill=\"#6b7078\">" + std::to_string(scale * g / 2) + "</text>";
    }
    // One bar per interval.
    s += "<g fill=\"#3b6fd8\">";
    for (std::size_t i = 0; i < n; ++i) {
        if (a.posts[i] == 0) continue;
        const double h = plot_h * static_cast<double>(a.posts[i]) / static_cast<double>(scale);
        s += "<rect x=\"" + fmt(left + bar_w * static_cast<double>(i) + bar_w * 0.1) + "\" y=\"" +
             fmt(top + plot_h - h) + "\" width=\"" + fmt(bar_w * 0.8) + "\" height=\"" + fmt(h) +
             "\" rx=\"1.5\"><title>" + std::to_string(a.posts[i]) + " posts from " +
             label(a.start + bucket * i) + "</title></rect>";
    }
    s += "</g>";
    // When each question was asked.
    const double span_s = static_cast<double>(a.bucket_seconds) * static_cast<double>(n);
    for (const auto& q : t.questions) {
        const double offset = std::chrono::duration<double>(q.asked_at - a.start).count() / span_s;
        if (offset < 0 || offset > 1) continue;
        const double x = left + plot_w * offset;
        s += "<line x1=\"" + fmt(x) + "\" x2=\"" + fmt(x) + "\" y1=\"" + std::to_string(top) +
             "\" y2=\"" + std::to_string(top + plot_h) +
             "\" stroke=\"#d9480f\" stroke-dasharray=\"3 3\"/><text x=\"" + fmt(x + 3) + "\" y=\"" +
             std::to_string(top - 8) + "\" fill=\"#d9480f\">Q" + std::to_string(q.number) +
             "</text>";
    }
    // Time labels, at most one per 80 pixels.
    const std::size_t every =
        std::max<std::size_t>(1, static_cast<std::size_t>(80.0 / bar_w + 0.999));
    for (std::size_t i = 0; i < n; i += every) {
        s += "<text x=\"" + fmt(left + bar_w * static_cast<double>(i)) + "\" y=\"" +
             std::to_string(height - bottom + 16) + "\" fill=\"#6b7078\">" +
             label(a.start + bucket * i) + "</text>";
    }
    s += "<text x=\"" + std::to_string(width - right) + "\" y=\"" + std::to_string(height - 4) +
         "\" text-anchor=\"end\" fill=\"#6b7078\">";
    xml_escape(s, "posts per " + interval + ", " + clock.zone());
    s += "</text></svg>";
    return s;
}

}  // namespace hashchat::archive
