#include "server/archive_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "archive/exports.hpp"
#include "archive/feed.hpp"
#include "archive/search_query.hpp"
#include "core/text.hpp"
#include "protocol/event_json.hpp"
#include "protocol/time_format.hpp"
#include "server/crypto.hpp"
#include "server/http_util.hpp"
#include "server/hub.hpp"

namespace hashchat::server {

namespace http = boost::beast::http;
namespace net = boost::asio;
using nlohmann::json;

namespace {

// A name-based id that stays the same for the same input (urn:uuid, version 5 layout).
std::string stable_urn(std::string_view name) {
    auto h = sha256_hex(name);
    h[12] = '5';
    h[16] = "89ab"[std::stoi(std::string(1, h[16]), nullptr, 16) % 4];
    return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
           h.substr(16, 4) + "-" + h.substr(20, 12);
}

std::string optional_time(const std::optional<core::instant>& t) {
    return t ? protocol::format_instant(*t) : std::string();
}

// When a session is listed: when it began, else when it is scheduled, else when it was made.
// The lower-case handles who posted in the series' sessions before this one.
std::optional<std::set<std::string>> earlier_authors(hub& h, const core::session_config& c) {
    if (!c.series) return std::nullopt;
    std::vector<std::string> ids;
    for (const auto& r : h.sessions_catalog().sessions_of_series(*c.series)) {
        if (r->id() == c.id) break;
        ids.push_back(r->id());
    }
    h.sync_index();
    return h.db().authors(ids);
}

enum class format { html, md, json, csv, svg };

http_response unavailable(const http_request& req) {
    auto res = error_response(req, http::status::service_unavailable, "unavailable",
                              "The archive is unavailable right now; try again shortly.");
    res.set(http::field::retry_after, "5");
    return res;
}

// Runs `make` on an archive worker (off the I/O threads: it reads SQLite or renders a whole
// log) and answers with what it makes, or 503 if that throws.
template <typename Make>
void on_worker(hub& h, const http_request& req, const responder& respond, std::string what,
               Make make) {
    net::post(h.archive_workers(), [req, respond, what = std::move(what), make = std::move(make)] {
        try {
            respond(make());
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", what, e.what());
            respond(unavailable(req));
        }
    });
}

http_response render(hub& h, const http_request& req, format f, const room_summary& summary,
                     const std::string& etag, const std::vector<frame_ptr>& frames);

void transcript_route(hub& h, const http_request& req, const std::string& id, format f,
                      const responder& respond) {
    auto r = h.find(id);
    if (!r) {
        return respond(no_such_session(req));
    }
    const auto summary = r->summary();
    // The same log, host and format give the same document.
    const std::string etag = "\"" + id + "-" + std::to_string(summary.head) + "-" +
                             std::to_string(static_cast<int>(f)) + "-" +
                             sha256_hex(base_url(req, h.opts().public_url)).substr(0, 8) + "\"";
    if (auto it = req.find(http::field::if_none_match);
        it != req.end() && std::string_view(it->value().data(), it->value().size()) == etag) {
        http_response res{http::status::not_modified, req.version()};
        res.set(http::field::server, "hashchat");
        res.set(http::field::etag, etag);
        res.keep_alive(req.keep_alive());
        return respond(std::move(res));
    }
    hub* hp = &h;
    if (auto loaded = r->loaded()) {
        return loaded->committed_log(
            [hp, req, respond, f, summary, etag](std::vector<frame_ptr> frames) {
                on_worker(*hp, req, respond, "transcript of " + summary.config.id,
                          [hp, req, f, summary, etag, frames = std::move(frames)] {
                              return render(*hp, req, f, summary, etag, frames);
                          });
            });
    }
    // No room loaded: the log is read from the store, on an archive worker (it never builds a
    // room). With no room, nothing is in flight: the store holds the log up to the summary's head.
    on_worker(h, req, respond, "transcript of " + summary.config.id, [hp, req, f, summary, etag] {
        std::vector<frame_ptr> frames;
        for (auto& row : hp->db().events(summary.config.id)) {
            if (frames.size() == summary.head) break;
            frames.push_back(std::make_shared<const std::string>(std::move(row.body)));
        }
        return render(*hp, req, f, summary, etag, frames);
    });
}

http_response render(hub& h, const http_request& req, format f, const room_summary& summary,
                     const std::string& etag, const std::vector<frame_ptr>& frames) {
    std::vector<core::event> events;
    events.reserve(frames.size());
    for (const auto& frame : frames) {
        if (auto e = protocol::parse_event(*frame, "")) events.push_back(std::move(*e));
    }
    const auto t = archive::build(summary.config, events, earlier_authors(h, summary.config));
    const archive::export_context ctx{base_url(req, h.opts().public_url), h.time().now()};
    const auto& id = summary.config.id;
    http_response res;
    switch (f) {
        case format::html:
            res = make_response(req, http::status::ok, archive::to_html(t, ctx),
                                "text/html; charset=utf-8");
            res.set("Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
            break;
        case format::md:
            res = make_response(req, http::status::ok, archive::to_markdown(t, ctx),
                                "text/markdown; charset=utf-8");
            res.set(http::field::content_disposition,
                    "attachment; filename=\"hashchat-" + id + ".md\"");
            break;
        case format::json:
            res = json_response(req, http::status::ok, archive::to_json(t, ctx));
            break;
        case format::csv:
            res = make_response(req, http::status::ok, archive::to_csv(t, ctx),
                                "text/csv; charset=utf-8; header=present");
            res.set(http::field::content_disposition,
                    "attachment; filename=\"hashchat-" + id + ".csv\"");
            break;
        case format::svg: {
            auto svg = archive::activity_svg(t);
            if (svg.empty()) {
                res = error_response(req, http::status::not_found, "not_found",
                                     "The chat has not begun: there is no activity yet.");
            } else {
                res = make_response(req, http::status::ok, std::move(svg),
                                    "image/svg+xml; charset=utf-8");
                res.set("Content-Security-Policy",
                        "default-src 'none'; style-src "
                        "'unsafe-inline'");
            }
            break;
        }
    }
    if (res.result() == http::status::ok) {
        // Ended chats change only by moderation; revalidate rather than store blindly.
        res.set(http::field::cache_control, "no-cache");
        res.set(http::field::etag, etag);
    }
    if (req.method() == http::verb::head) res.body().clear();
    return res;
}

// The listing's query parameters as given.
struct listing_query {
    std::optional<std::string> hashtag;
    std::optional<std::string> series;
    std::optional<std::string> state;
    std::optional<std::string> from;  // YYYY-MM-DD, UTC
    std::optional<std::string> to;
};

core::result<std::size_t> number_param(std::string_view target, std::string_view name,
                                       std::size_t fallback, std::size_t max) {
    auto v = query_param(target, name);
    if (!v) return v.err();
    if (!*v) return fallback;
    const auto& s = **v;
    std::size_t n = 0;
    const bool digits = !s.empty() && s.size() <= 6 && std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
    });
    if (digits) n = static_cast<std::size_t>(std::stoul(s));
    if (!digits || n > max) {
        return core::make_error(core::error_code::bad_request,
                                "The " + std::string(name) + " parameter is a whole number up to " +
                                    std::to_string(max) + ".");
    }
    return n;
}

http_response archive_page(hub& h, const http_request& req, const archive::listing_filter& f,
                           std::size_t limit, std::size_t offset);
http_response feed_document(hub& h, const http_request& req, const std::string& tag);

void list_archive(hub& h, const http_request& req, std::string_view target,
                  const responder& respond) {
    listing_query f;
    for (auto [name, slot] :
         {std::pair{"hashtag", &f.hashtag}, std::pair{"series", &f.series},
          std::pair{"state", &f.state}, std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
        auto v = query_param(target, name);
        if (!v) return respond(error_response(req, v.err()));
        if (*v && !(*v)->empty()) *slot = **v;
    }
    for (const auto* day : {&f.from, &f.to}) {
        if (*day && !protocol::parse_instant(**day + "T00:00Z")) {
            return respond(error_response(req, http::status::bad_request, "bad_request",
                                          "from and to are dates: YYYY-MM-DD."));
        }
    }
    if (f.state && *f.state != "ended" && *f.state != "live" && *f.state != "scheduled") {
        return respond(error_response(req, http::status::bad_request, "bad_request",
                                      "state is ended, live or scheduled."));
    }
    auto limit = number_param(target, "limit", 50, 200);
    if (!limit) return respond(error_response(req, limit.err()));
    auto offset = number_param(target, "offset", 0, 100000);
    if (!offset) return respond(error_response(req, offset.err()));
    archive::listing_filter filter;
    filter.hashtag = f.hashtag;
    filter.series = f.series;
    if (f.state) {
        for (auto st :
             {core::chat_state::scheduled, core::chat_state::live, core::chat_state::ended}) {
            if (*f.state == core::to_string(st)) filter.state = st;
        }
    }
    if (f.from) filter.from = protocol::parse_instant(*f.from + "T00:00Z");
    if (f.to) filter.to = protocol::parse_instant(*f.to + "T00:00Z");
    // The post counts come from the search index: read on an archive worker.
    hub* hp = &h;
    on_worker(h, req, respond, "archive list",
              [hp, req, filter = std::move(filter), limit = *limit, offset = *offset] {
                  return archive_page(*hp, req, filter, limit, offset);
              });
}

http_response archive_page(hub& h, const http_request& req, const archive::listing_filter& f,
                           std::size_t limit, std::size_t offset) {
    std::vector<room_summary> all;
    for (const auto& r : h.sessions()) all.push_back(r->summary());
    const auto listed = archive::list_sessions(all, f, limit, offset);
    const auto& page = listed.page;
    std::vector<std::string> ids;
    for (const auto* s : page) ids.push_back(s->config.id);
    h.sync_index();
    const auto counts = h.db().counts(ids);
    json sessions = json::array();
    for (const auto* s : page) {
        const auto& c = s->config;
        const auto it = counts.find(c.id);
        const std::string api = "/api/sessions/" + c.id;
        sessions.push_back(
            {{"id", c.id},
             {"hashtag", c.hashtag},
             {"title", c.title},
             {"description", c.description},
             {"series", c.series ? json(*c.series) : json(nullptr)},
             {"mode", c.mode},
             {"timezone", c.timezone},
             {"state", archive::to_string(s->state)},
             {"at", protocol::format_instant(archive::listed_at(*s))},
             {"started_at", s->started_at ? json(optional_time(s->started_at)) : json(nullptr)},
             {"ended_at", s->ended_at ? json(optional_time(s->ended_at)) : json(nullptr)},
             {"questions", c.timetable.questions.size()},
             {"posts", it == counts.end() ? 0 : it->second.posts},
             {"participants", it == counts.end() ? 0 : it->second.authors},
             {"urls",
              {{"archive", "/archive/" + c.id},
               {"join", "/s/" + c.id},
               {"html", api + "/transcript.html"},
               {"md", api + "/transcript.md"},
               {"json", api + "/transcript.json"},
               {"csv", api + "/transcript.csv"}}}});
    }
    json hashtags = json::array();
    for (const auto& [tag, n] : listed.hashtags) {
        hashtags.push_back({{"hashtag", tag}, {"sessions", n}});
    }
    json series = json::array();
    std::set<std::string> seen;
    for (const auto& s : all) {
        if (!s.config.series || !seen.insert(*s.config.series).second) continue;
        if (auto info = h.sessions_catalog().find_series(*s.config.series)) {
            series.push_back(
                {{"id", *s.config.series}, {"hashtag", info->hashtag}, {"title", info->title}});
        }
    }
    return json_response(req, http::status::ok,
                         protocol::dump(json{{"sessions", std::move(sessions)},
                                             {"total", listed.total},
                                             {"offset", offset},
                                             {"limit", limit},
                                             {"hashtags", std::move(hashtags)},
                                             {"series", std::move(series)}}));
}

// A snippet's text split at the match markers (\x02 ... \x03; \x04 where it was cut).
json snippet_parts(std::string_view s) {
    json parts = json::array();
    std::string text;
    bool match = false;
    auto flush = [&] {
        if (!text.empty()) parts.push_back({{"text", text}, {"match", match}});
        text.clear();
    };
    for (const char c : s) {
        if (c == '\x02' || c == '\x03') {
            flush();
            match = c == '\x02';
        } else if (c == '\x04') {
            text += "\u2026";
        } else {
            text += c;
        }
    }
    flush();
    return parts;
}

void search(hub& h, const http_request& req, std::string_view target, const responder& respond) {
    auto q = query_param(target, "q");
    if (!q) return respond(error_response(req, q.err()));
    if (!*q) {
        return respond(error_response(req, http::status::bad_request, "bad_request",
                                      "Say what to search for: /api/search?q=words."));
    }
    auto terms = archive::parse_query(**q);
    if (!terms) return respond(error_response(req, terms.err()));
    auto tag = query_param(target, "hashtag");
    if (!tag) return respond(error_response(req, tag.err()));
    auto series = query_param(target, "series");
    if (!series) return respond(error_response(req, series.err()));
    auto limit = number_param(target, "limit", 20, 50);
    if (!limit) return respond(error_response(req, limit.err()));
    auto offset = number_param(target, "offset", 0, store::store::ranked_window);
    if (!offset) return respond(error_response(req, offset.err()));

    store::search_request sr;
    sr.terms = std::move(*terms);
    sr.limit = std::max<std::size_t>(1, *limit);
    sr.offset = *offset;
    if (*tag && !(*tag)->empty()) sr.hashtag = core::hashtag_key(**tag).substr(1);
    if (*series && !(*series)->empty()) sr.series = **series;
    hub* hp = &h;
    on_worker(h, req, respond, "search", [hp, req, sr = std::move(sr), query = **q] {
        store::search_result found;
        try {
            hp->sync_index();
            found = hp->db().search(sr);
        } catch (const store::search_error&) {
            return error_response(req, http::status::bad_request, "bad_request",
                                  "That search cannot be run; try other words.");
        }
        json results = json::array();
        for (const auto& hit : found.hits) {
            const auto r = hp->find(hit.session_id);
            const auto c = r ? std::optional<core::session_config>(r->config()) : std::nullopt;
            results.push_back(
                {{"session",
                  {{"id", hit.session_id},
                   {"hashtag", c ? c->hashtag : ""},
                   {"title", c ? c->title : ""}}},
                 {"seq", hit.seq},
                 {"permalink", archive::permalink(hit.session_id, hit.seq)},
                 {"at", protocol::format_instant(core::instant{core::duration{hit.at_ms}})},
                 {"author", hit.author},
                 {"name", hit.name},
                 {"round", hit.round ? json(*hit.round) : json(nullptr)},
                 {"snippet", snippet_parts(hit.snippet)}});
        }
        return json_response(req, http::status::ok,
                             protocol::dump(json{{"query", query},
                                                 {"matched", found.matched},
                                                 {"more", found.more},
                                                 {"offset", sr.offset},
                                                 {"limit", sr.limit},
                                                 {"results", std::move(results)}}));
    });
}

void feed(hub& h, const http_request& req, std::string_view target, const responder& respond) {
    auto tag = query_param(target, "hashtag");
    if (!tag) return respond(error_response(req, tag.err()));
    // The post counts come from the search index: read on an archive worker.
    hub* hp = &h;
    on_worker(h, req, respond, "feed",
              [hp, req, tag = tag->value_or("")] { return feed_document(*hp, req, tag); });
}

http_response feed_document(hub& h, const http_request& req, const std::string& tag) {
    const bool by_tag = !tag.empty();
    std::vector<room_summary> all;
    for (const auto& r : h.sessions()) all.push_back(r->summary());
    const auto ended =
        archive::feed_sessions(std::move(all), by_tag ? std::optional(tag) : std::nullopt);
    std::vector<std::string> ids;
    for (const auto& s : ended) ids.push_back(s.config.id);
    h.sync_index();
    const auto counts = h.db().counts(ids);
    const std::string base = base_url(req, h.opts().public_url);
    archive::feed_info info;
    const std::string tag_name = by_tag ? core::hashtag_key(tag) : "";
    info.id = stable_urn("hashchat-feed:" + tag_name);
    info.title = by_tag ? tag_name + " chat archives" : "hashchat archives";
    info.base_url = base;
    info.self_url = base + "/feed.atom";
    if (by_tag) info.self_url += "?hashtag=" + tag_name.substr(1);
    info.updated = ended.empty() ? h.time().now() : *ended.front().ended_at;
    std::vector<archive::feed_entry> entries;
    for (const auto& s : ended) {
        archive::feed_entry e;
        e.id = stable_urn("hashchat-session:" + s.config.id);
        e.session_id = s.config.id;
        e.hashtag = s.config.hashtag;
        e.title = s.config.title;
        e.description = s.config.description;
        e.published = s.started_at ? *s.started_at : *s.ended_at;
        e.updated = *s.ended_at;
        if (auto it = counts.find(s.config.id); it != counts.end()) {
            e.posts = it->second.posts;
            e.participants = it->second.authors;
        }
        for (const auto& q : s.config.timetable.questions) e.questions.push_back(q.text);
        entries.push_back(std::move(e));
    }
    auto res = make_response(req, http::status::ok, archive::atom_feed(info, entries),
                             "application/atom+xml; charset=utf-8");
    res.set(http::field::cache_control, "no-cache");
    if (req.method() == http::verb::head) res.body().clear();
    return res;
}

}  // namespace

bool handle_archive(hub& h, const http_request& req, std::string_view path,
                    const responder& respond) {
    const std::string_view target(req.target().data(), req.target().size());
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    auto answer = [&](auto&& fn) {
        if (!get) {
            respond(error_response(req, http::status::method_not_allowed, "bad_request",
                                   "That method is not allowed here."));
            return true;
        }
        try {
            fn();
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", path, e.what());
            respond(unavailable(req));
        }
        return true;
    };
    if (path == "/api/search") return answer([&] { search(h, req, target, respond); });
    if (path == "/api/archive") return answer([&] { list_archive(h, req, target, respond); });
    if (path == "/feed.atom") return answer([&] { feed(h, req, target, respond); });
    constexpr std::string_view sessions = "/api/sessions/";
    if (path.substr(0, sessions.size()) != sessions) return false;
    const auto rest = path.substr(sessions.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return false;
    const std::string id(rest.substr(0, slash));
    const auto doc = rest.substr(slash + 1);
    static const std::pair<std::string_view, format> docs[] = {{"transcript.html", format::html},
                                                               {"transcript.md", format::md},
                                                               {"transcript.json", format::json},
                                                               {"transcript.csv", format::csv},
                                                               {"activity.svg", format::svg}};
    for (const auto& [name, f] : docs) {
        if (doc == name) return answer([&, f = f] { transcript_route(h, req, id, f, respond); });
    }
    return false;
}

}  // namespace hashchat::server
