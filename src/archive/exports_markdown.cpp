// The transcript as a Markdown document.
#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/exports_common.hpp"
#include "archive/local_clock.hpp"

namespace hashchat::archive {

namespace {

using detail::plural;
using detail::shown_replies;
using detail::stamp;
using detail::title_line;
using detail::when_line;

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

}  // namespace

std::string to_markdown(const transcript& t, const export_context& ctx) {
    return markdown_writer(t, ctx).render();
}

}  // namespace hashchat::archive
