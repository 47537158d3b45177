// The Markdown export: user text is escaped only where CommonMark would read it as markup, so a
// transcript reads as typed; and Debian's cmark renders an export full of hostile text to the
// document's own structure, with every name, question and post exactly as it was typed.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/transcript.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::at_min;

namespace {

std::string inline_md(std::string_view s, bool at_line_start = false) {
    std::string out;
    archive::markdown_escape(out, s, at_line_start);
    return out;
}

std::string lines_md(std::string_view s, std::string_view indent = "  ",
                     bool at_line_start = false) {
    std::string out;
    archive::markdown_lines(out, s, indent, at_line_start);
    return out;
}

const archive::export_context ctx{"https://chat.example.org", at_min(100)};

// Runs Debian's cmark on `markdown`, raw HTML allowed so that any that got through shows.
std::string cmark_html(const std::string& markdown) {
    test::temp_dir dir;
    const auto path = dir.file("transcript.md");
    std::ofstream(path, std::ios::binary) << markdown;
    const std::string command = "cmark --unsafe '" + path.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string html;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) html.append(buf, n);
    const int status = ::pclose(pipe);
    if (status != 0) {
        FAIL("`" << command << "` failed (exit status "
                 << (WIFEXITED(status) ? WEXITSTATUS(status) : status)
                 << "): " << html.substr(0, 300)
                 << "\nThis test needs cmark, Debian's package `cmark` (scripts/test installs "
                    "it; apt-get install cmark).");
    }
    return html;
}

struct tag {
    std::string text;  // between < and >
    std::size_t at;    // where it starts in the HTML
};

// cmark writes every < of text as &lt;, so each < starts a tag.
std::vector<tag> tags_of(const std::string& html) {
    std::vector<tag> tags;
    for (auto i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
        const auto end = html.find('>', i);
        REQUIRE(end != std::string::npos);
        tags.push_back({html.substr(i + 1, end - i - 1), i});
    }
    return tags;
}

// The text of an HTML fragment with no tags other than line breaks.
std::string text_of(std::string_view html) {
    std::string out;
    for (std::size_t i = 0; i < html.size();) {
        bool matched = false;
        for (const auto& [from, to] :
             std::vector<std::pair<std::string_view, std::string_view>>{{"<br />\n", "\n"},
                                                                        {"&amp;", "&"},
                                                                        {"&lt;", "<"},
                                                                        {"&gt;", ">"},
                                                                        {"&quot;", "\""}}) {
            if (html.substr(i, from.size()) == from) {
                out += to;
                i += from.size();
                matched = true;
                break;
            }
        }
        if (!matched) out += html[i++];
    }
    return out;
}

// The text from `from` up to the first tag that is not a line break.
std::string text_from(const std::string& html, std::size_t from) {
    auto end = from;
    while ((end = html.find('<', end)) != std::string::npos &&
           html.compare(end, 6, "<br />") == 0) {
        ++end;
    }
    REQUIRE(end != std::string::npos);
    return text_of(std::string_view(html).substr(from, end - from));
}

// The text between `open` (found at or after `from`) and `close`.
std::string between(const std::string& html, std::string_view open, std::string_view close,
                    std::size_t from = 0) {
    const auto start = html.find(open, from);
    INFO("looking for " << open);
    REQUIRE(start != std::string::npos);
    const auto end = html.find(close, start + open.size());
    REQUIRE(end != std::string::npos);
    return text_of(std::string_view(html).substr(start + open.size(), end - start - open.size()));
}

// Line breaks as Markdown keeps them between lines: LF, whichever was typed.
std::string lf(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
        out += s[i] == '\r' ? '\n' : s[i];
    }
    return out;
}

// Each run of characters between line breaks replaced by an x.
std::string neutral(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '\n' || c == '\r') {
            out += c;
        } else if (out.empty() || out.back() != 'x') {
            out += 'x';
        }
    }
    return out;
}

// The same transcript with plain words for everything people wrote: its rendering is the
// document's own structure.
archive::transcript plain_copy(archive::transcript t) {
    // Copied from a string, not assigned from "x": gcc 12 at -O3 reports a false -Wrestrict in
    // assigning a literal to a string inside these loops.
    const std::string x = "x";
    t.config.hashtag = "#x";
    t.config.title = x;
    t.config.description = neutral(t.config.description);
    for (auto& q : t.questions) q.text = x;
    for (auto& p : t.posts) {
        p.text = neutral(p.text);
        p.name = x;
        p.author = x;
    }
    for (auto& a : t.announcements) {
        a.name = x;
        a.text = neutral(a.text);
    }
    for (auto& c : t.stats.top_contributors) c = {"x", "x", c.posts, c.likes};
    if (t.stats.first_timers) {
        for (auto& h : *t.stats.first_timers) h = "x";
    }
    return t;
}

const std::vector<std::string> hostile_texts = {
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "2) x",
    "***",
    "---",
    "===",
    "`code`",
    "```",
    "~~~",
    "    indented",
    "*em* _em_ **strong**",
    "[link](http://x)",
    "![img](x)",
    "<b>html</b>",
    "<http://auto.link>",
    "&amp; &#65; &copy;",
    "a\\b",
    "line one\nline two",
    "trailing spaces  ",
    "trailing backslash\\",
    "#PubPD: A1 at 07:51, (yes!)",
    "emoji \xF0\x9F\x99\x82 and RTL \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D "
    "\xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D",
    "first\n# heading\n> quote\n- item\n+ item\n* item\n1. item\n2) x\n***\n---\n===\n- - -\n"
    "```\n~~~\n    indented\n\tindented\n<div>\n<!-- c -->\n[ref]: http://x\n| a | b |\n"
    "|---|---|\nlast",
    "ends  \nwith spaces  \nand a backslash\\\nlines\\",
    "a\r\nb\rc",
    "a\n\nb\n\n\nc",
    "trailing line break\n",
    "\n\nleading line breaks",
    "  leading spaces\n   on every line\n\t\tand tabs",
    "snake_case __init__ a_b_c _x_ x_",
    "2 * 3 * 4, a ~ b, ~~strike~~ ~x~ and 1 < 2 > 0",
    "C:\\Users\\ann \\* \\_ \\\\ \\",
    "&#32; &#x20; &nbsp; AT&T Q&A &",
    "see http://x.example/a_b*c*_[d](e)`f` and <https://y.example/>",
    "Title #",
    "###",
    "\xC2\xA0no-break spaces\xC2\xA0",
    "#",
    "*",
    "_",
    "\\",
    "<",
    "&",
    "[",
    "!",
    "\\\n",
};

const std::vector<std::string> hostile_names = {
    "*Ann*",
    "_Ben_",
    "  Cat  ",
    "[Dan](http://x)",
    "<b>Eve",
    "# Fay",
    "Gus\nHal",
    "Ivy #",
    "Jo \\",
    "Kim **",
    "\xF0\x9F\x98\x80 Lee",
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",
    "&amp;",
    "\xC2\xA0Nbsp",
    "1. Max",
    "- Ned",
    "> Oli",
    "`Pat`",
    "Q_u_e",
    "Ray!",
};

}  // namespace

TEST_CASE("Markdown leaves ordinary text as it was typed", "[archive][markdown]") {
    for (const std::string s :
         {"#PubPD: A1 at 07:51, (yes!) it's fine? Really.", "C:\\Users\\ann",
          "snake_case, 2 * 3, a ~ b, 1 < 2 -> 3 > 1", "Q&A with AT&T, 50% off $5 {x} @ann #tag",
          "see https://x.example/a_b?c=1&d=2", "\xF0\x9F\x99\x82 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",
          "# only at the start of a line", "1. x", "- x", "> x", "---"}) {
        INFO(s);
        CHECK(inline_md(s) == s);
        CHECK(lines_md(s) == s);
    }
    CHECK(lines_md("one\ntwo, three.\nfour: 5") == "one\\\n  two, three.\\\n  four: 5");
    CHECK(lines_md("#PubPD: A1\n#tag (yes!)", "") == "#PubPD: A1\\\n#tag (yes!)");
}

TEST_CASE("Markdown escapes what would be markup", "[archive][markdown]") {
    for (const auto& [in, want] : std::vector<std::pair<std::string, std::string>>{
             {"*em* _em_ **strong** ~~del~~",
              "\\*em\\* \\_em\\_ \\*\\*strong\\*\\* \\~\\~del\\~\\~"},
             {"a_b_ _c __d__ x_", "a_b\\_ \\_c \\_\\_d\\_\\_ x\\_"},
             {"[link](http://x) ![img](x)", "\\[link\\](http://x) !\\[img\\](x)"},
             {"<b>html</b> <http://auto.link> <a@b.c> <3",
              "\\<b>html\\</b> \\<http://auto.link> "
              "\\<a@b.c> \\<3"},
             {"&amp; &#65; &#x41; &copy; & &x", "\\&amp; \\&#65; \\&#x41; \\&copy; & &x"},
             {"`code` a\\*b\\ c\\", "\\`code\\` a\\\\\\*b\\ c\\\\"},
             {"Title #", "Title \\#"},
             {"C# ###", "C# \\###"},
             {"#", "\\#"},
             {" Ann\t", "&#32;Ann&#9;"},
             {"\xC2\xA0"
              "Ann\xE3\x80\x80",
              "&#160;Ann&#12288;"},
             {"a\nb\r\nc\\\n", "a&#10;b&#13;&#10;c\\\\&#10;"},
         }) {
        INFO(in);
        CHECK(inline_md(in) == want);
    }
    for (const auto& [in, want] : std::vector<std::pair<std::string, std::string>>{
             {"# x", "\\# x"},
             {"#x", "#x"},
             {"1. x", "1\\. x"},
             {"2) x", "2\\) x"},
             {"- x", "\\- x"},
             {"> x", "\\> x"},
             {"*", "\\*"},
         }) {
        INFO(in);
        CHECK(inline_md(in, true) == want);
    }
    for (const auto& [in, want] : std::vector<std::pair<std::string, std::string>>{
             {"a\n# h\n> q\n- i\n+ i\n* i\n1. i\n2) x\n2024. was\n2024 was\n#tag",
              "a\\\n  \\# h\\\n  \\> q\\\n  \\- i\\\n  \\+ i\\\n  \\* i\\\n  1\\. i\\\n  2\\) x\\\n"
              "  2024\\. was\\\n  2024 was\\\n  #tag"},
             {"a\n***\n---\n===\n- - -\n| a | b |\n|---|:-:|",
              "a\\\n  \\*\\*\\*\\\n  \\---\\\n  \\===\\\n  \\- - -\\\n  | a | b |\\\n  "
              "\\|---|:-:|"},
             {"a\n```\n~~~\n    code\n\tcode\n<div>",
              "a\\\n  \\`\\`\\`\\\n  \\~\\~\\~\\\n  &#32;&#32;&#32;&#32;code\\\n  &#9;code\\\n  "
              "\\<div>"},
             {"a  \nb\\", "a&#32;&#32;\\\n  b\\\\"},
             {"a\r\nb\rc\n\r\n", "a\\\n  b\\\n  c&#10;&#10;"},
             {"a\n\nb", "a\\\n  \\\n  b"},
             {"\n", "&#10;"},
         }) {
        INFO(in);
        CHECK(lines_md(in) == want);
    }
    CHECK(lines_md("# h\n    x", "", true) == "\\# h\\\n&#32;&#32;&#32;&#32;x");
    CHECK(lines_md("  x", "", false) == "  x");
}

TEST_CASE("cmark renders a hostile Markdown export to its own structure and the text as typed",
          "[archive][markdown]") {
    auto config = test::sample_config(3);
    config.hashtag = "#_Pub_PD";
    config.title = "*T* <b>x</b> [l](u) &copy; \\ ##";
    config.description = "# Intro\n> quote\n- item\n    code\n1. one\n---\n  two spaces  \ntext \\";
    config.timezone = "America/Argentina/Buenos_Aires";
    config.series = "pubpd";
    const std::vector<std::string> questions = {"# What *is* <b>it</b>? [x](y) &amp; `z`",
                                                "Why ~~this~~ now ###",
                                                "Line\none & two\r\n> three  "};

    std::vector<core::event> events;
    const auto add = [&](long long minute, core::event_body body) {
        const core::seq_t seq = events.size() + 1;
        events.push_back({seq, at_min(minute), std::move(body)});
        return seq;
    };
    const auto phase = [&](long long minute, core::phase_kind kind, std::optional<int> round,
                           std::optional<std::string> question) {
        core::phase_state s;
        s.phase = kind;
        s.started_at = at_min(minute);
        add(minute, core::phase_event{s, round, std::move(question)});
    };
    phase(0, core::phase_kind::intro, 0, std::nullopt);
    for (int q = 1; q <= 3; ++q) phase(q, core::phase_kind::round, q, questions[q - 1]);
    const std::vector<std::string> handle_forms = {"_u", "u_", "a_b_", "__u__", "u"};
    std::vector<core::seq_t> seqs;
    for (std::size_t i = 0; i < hostile_texts.size(); ++i) {
        std::optional<int> round = static_cast<int>(1 + i / 4 % 3);
        if (i == 0) round = 0;
        if (i == 1) round.reset();
        // Threads of four: replies three deep, so continuation lines are indented further.
        std::optional<core::seq_t> reply_to;
        if (i % 4 != 0 && i > 1) reply_to = seqs.back();
        const auto& form = handle_forms[i % handle_forms.size()];
        seqs.push_back(add(static_cast<long long>(5 + i),
                           core::post_event{form + std::to_string(i) + (form == "u" ? "_" : ""),
                                            hostile_names[i % hostile_names.size()],
                                            core::role::participant,
                                            hostile_texts[i],
                                            round,
                                            reply_to,
                                            {},
                                            "cid"}));
    }
    // Liked posts come first among the top contributors, where a name begins a list item.
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto& name = hostile_names[i % hostile_names.size()];
        if (std::string_view("#1->`").find(name.front()) != std::string_view::npos) {
            add(60, core::like_event{seqs[i], "u1", 1, true});
        }
    }
    add(61, core::announce_event{"host", "*Host* #", "# Q2\n- soon  \n<b>!</b> &amp;"});
    add(62, core::announce_event{"host", " <i>", "`x`"});
    phase(70, core::phase_kind::closed, std::nullopt, std::nullopt);

    const auto t = archive::build(config, events, std::set<std::string>{});
    REQUIRE(t.posts.size() == hostile_texts.size());
    REQUIRE(t.questions.size() == 3);
    REQUIRE(t.questions[0].links.size() > 0);
    const auto markdown = archive::to_markdown(t, ctx);
    const auto html = cmark_html(markdown);
    const auto plain_html = cmark_html(archive::to_markdown(plain_copy(t), ctx));
    INFO("Markdown:\n" << markdown);

    SECTION("only the document's own structure") {
        const std::set<std::string> own_tags = {
            "h1", "/h1", "h2", "/h2", "p",  "/p",  "em", "/em", "strong", "/strong",
            "ul", "/ul", "ol", "/ol", "li", "/li", "br", "a",   "/a"};
        const auto want = tags_of(plain_html);
        const auto got = tags_of(html);
        for (const auto& g : got) {
            const auto name = g.text.substr(0, g.text.find(' '));
            INFO("<" << g.text << "> at " << g.at << ": "
                     << html.substr(g.at < 200 ? 0 : g.at - 200, 400));
            CHECK(own_tags.count(name) == 1);
        }
        std::size_t i = 0;
        while (i < want.size() && i < got.size() && want[i].text == got[i].text) ++i;
        INFO("first difference at tag "
             << i << " of " << got.size() << ": HTML there:\n"
             << (i < got.size() ? html.substr(got[i].at, 300) : "")
             << "\nand without what people wrote:\n"
             << (i < want.size() ? plain_html.substr(want[i].at, 300) : ""));
        CHECK(i == want.size());
        CHECK(i == got.size());
    }

    SECTION("each text as typed") {
        CHECK(between(html, "<h1>", "</h1>") == config.hashtag + ": " + config.title);
        for (std::size_t q = 0; q < questions.size(); ++q) {
            CHECK(between(html, "<h2>Q" + std::to_string(q + 1) + ". ", "</h2>") == questions[q]);
        }
        CHECK(between(html, "<p><em>", "</em></p>")
                  .find("(America/Argentina/Buenos_Aires) \u00b7 ") != std::string::npos);
        CHECK(between(html, "</em></p>\n<p>", "</p>") == lf(config.description));

        for (const auto& p : t.posts) {
            const auto anchor =
                "<a href=\"" + ctx.base_url + archive::permalink(config.id, p.seq) + "\">";
            const auto at = html.find(anchor);
            INFO("post " << p.seq << ": " << p.text);
            REQUIRE(at != std::string::npos);
            const auto item = html.rfind("<li><strong>", at);
            REQUIRE(item != std::string::npos);
            const auto by = std::string(html, item + 12, at - item - 12);
            const auto name_end = by.find("</strong> ");
            REQUIRE(name_end != std::string::npos);
            CHECK(text_of(by.substr(0, name_end)) == p.name);
            CHECK(text_of(by.substr(name_end + 10)) == "@" + p.author + " \u00b7 ");
            const auto colon = html.find(": ", html.find("</a>", at));
            REQUIRE(colon != std::string::npos);
            // cmark starts the list of replies on a new line.
            auto typed = lf(p.text);
            if (!p.replies.empty() && typed.back() != '\n') typed += '\n';
            CHECK(text_from(html, colon + 2) == typed);
        }

        auto from = html.find("<h2>Announcements</h2>");
        REQUIRE(from != std::string::npos);
        for (const auto& a : t.announcements) {
            INFO("announcement: " << a.text);
            CHECK(between(html, "<strong>", "</strong>: ", from) == a.name);
            from = html.find("</strong>: ", from);
            REQUIRE(from != std::string::npos);
            from += 11;
            CHECK(text_from(html, from) == lf(a.text));
        }

        for (const auto& q : t.questions) {
            from = html.find("<h2>Q" + std::to_string(q.number) + ". ");
            from = html.find("<strong>Links shared</strong>", from);
            for (const auto& l : q.links) {
                REQUIRE(from != std::string::npos);
                from = html.find("<li><a href=\"", from);
                CHECK(between(html, "\">", "</a></li>", from) == l.url);
                from = html.find("</li>", from);
            }
        }
        from = html.find("<ol>");
        REQUIRE(from != std::string::npos);
        for (const auto& c : t.stats.top_contributors) {
            const auto li = between(html, "<li>", "</li>", from);
            CHECK(li.rfind(c.name + " (@" + c.handle + "): ", 0) == 0);
            from = html.find("</li>", from) + 5;
        }
        std::string first_timers;
        for (const auto& h : *t.stats.first_timers) {
            first_timers += (first_timers.empty() ? "@" : ", @") + h;
        }
        CHECK(between(html, "<strong>First time in this series:</strong> ", "</p>") ==
              first_timers);
    }
}
