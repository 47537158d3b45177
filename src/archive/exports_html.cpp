// The transcript as a self-contained HTML page.
#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/exports_common.hpp"
#include "archive/local_clock.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::archive {

namespace {

using detail::plural;
using detail::shown_replies;
using detail::stamp;
using detail::title_line;
using detail::when_line;

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
        std::string anchor = "p";
        anchor += std::to_string(p.seq);
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

}  // namespace

std::string to_html(const transcript& t, const export_context& ctx) {
    return html_writer(t, ctx).render();
}

}  // namespace hashchat::archive
