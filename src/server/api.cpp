#include "server/api.hpp"

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "archive/qr_code.hpp"
#include "protocol/calendar.hpp"
#include "protocol/event_json.hpp"
#include "protocol/server_messages.hpp"
#include "protocol/time_format.hpp"
#include "server/archive_api.hpp"
#include "server/crypto.hpp"
#include "server/http_util.hpp"
#include "server/hub.hpp"
#include "server/static_files.hpp"

namespace hashchat::server {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::optional<std::string> bearer(const http_request& req);
json share_links(hub& h, const http_request& req, const std::string& id);
bool admit_creation(hub& h, const http_request& req, const std::string& address,
                    const responder& respond);
void series_created(hub& h, const http_request& req, const responder& respond,
                    const core::result<created_series>& created);

void create_session(hub& h, const http_request& req, const std::string& address,
                    const responder& respond) {
    if (!admit_creation(h, req, address, respond)) return;
    h.sessions_catalog().create(
        req.body(), [&h, req, respond](core::result<created_session> created) {
            if (!created) {
                return respond(error_response(req, created.err()));
            }
            const std::string join = "/s/" + created->id;
            json body{{"id", created->id},
                      {"moderator_key", created->moderator_key},
                      {"urls",
                       {{"join", join},
                        {"moderate", join + "/moderate#key=" + created->moderator_key},
                        {"screen", join + "/screen"}}},
                      {"links", share_links(h, req, created->id)}};
            respond(json_response(req, http::status::created, protocol::dump(body)));
        });
}

// The key in `Authorization: Bearer <key>`, if any.
std::optional<std::string> bearer(const http_request& req) {
    auto it = req.find(http::field::authorization);
    if (it == req.end()) return std::nullopt;
    const std::string_view v(it->value().data(), it->value().size());
    constexpr std::string_view prefix = "Bearer ";
    if (v.size() <= prefix.size() || v.substr(0, prefix.size()) != prefix) return std::nullopt;
    return std::string(v.substr(prefix.size()));
}

// A write over HTTP (keys, PATCH) goes to the session's room, built if need be.
void in_room(hub& h, const http_request& req, const std::string& id, const responder& respond,
             std::function<void(room&)> write) {
    h.with_room(id,
                [&h, req, respond, id, write = std::move(write)](const std::shared_ptr<room>& r) {
                    if (!r && h.find(id)) {
                        // Known, but its room could not be built: the store cannot be reached.
                        return respond(error_response(req, core::store_unavailable_error()));
                    }
                    if (!r) return respond(no_such_session(req));
                    write(*r);
                });
}

void keys_route(hub& h, const http_request& req, const std::string& id, const std::string& key_id,
                const responder& respond) {
    auto r = h.find(id);
    if (!r) {
        return respond(no_such_session(req));
    }
    auto key = bearer(req);
    if (!key) {
        return respond(error_response(req, http::status::unauthorized, "bad_key",
                                      "Send the owner's key as Authorization: Bearer <key>."));
    }
    auto reply = [req, respond](http::status ok_status) {
        return [req, respond, ok_status](core::result<std::string> result) {
            if (!result) {
                return respond(error_response(req, result.err()));
            }
            if (ok_status == http::status::no_content) {
                http_response res{http::status::no_content, req.version()};
                res.set(http::field::server, "hashchat");
                res.keep_alive(req.keep_alive());
                return respond(std::move(res));
            }
            respond(json_response(req, ok_status, std::move(*result)));
        };
    };
    const auto hash = sha256_hex(*key);
    const auto method = req.method();
    if (key_id.empty() && method == http::verb::post) {
        std::string label = "co-moderator";
        if (!req.body().empty()) {
            const json j = json::parse(req.body(), nullptr, false);
            if (j.is_discarded() || !j.is_object() ||
                (j.contains("label") && (!j["label"].is_string() ||
                                         j["label"].get_ref<const std::string&>().size() > 100)) ||
                j.size() > (j.contains("label") ? 1U : 0U)) {
                return respond(error_response(
                    req, http::status::bad_request, "bad_request",
                    "The body is {\"label\": \"...\"} (at most 100 bytes), or empty."));
            }
            if (j.contains("label")) label = j["label"].get<std::string>();
        }
        return in_room(h, req, id, respond,
                       [hash, label, done = reply(http::status::created)](room& r) {
                           r.create_key(hash, label, done);
                       });
    }
    if (key_id.empty() && (method == http::verb::get || method == http::verb::head)) {
        return in_room(h, req, id, respond, [hash, done = reply(http::status::ok)](room& r) {
            r.list_keys(hash, done);
        });
    }
    if (!key_id.empty() && method == http::verb::delete_) {
        return in_room(h, req, id, respond,
                       [hash, key_id, done = reply(http::status::no_content)](room& r) {
                           r.revoke_key(hash, key_id, done);
                       });
    }
    respond(error_response(req, http::status::method_not_allowed, "bad_request",
                           "That method is not allowed here."));
}

// A session's absolute links as participants reach them (--public-url, else the Host), and the
// path of the join link's QR code.
json share_links(hub& h, const http_request& req, const std::string& id) {
    const std::string base = base_url(req, h.opts().public_url);
    return {{"join", base + "/s/" + id},
            {"screen", base + "/s/" + id + "/screen"},
            {"archive", base + "/archive/" + id},
            {"qr", "/api/sessions/" + id + "/qr.svg"}};
}

// The links, or the join link's QR code (dark on light, quiet zone: see archive/qr_code.hpp),
// for the pub screen, the moderator console and the creation page.
void links(hub& h, const http_request& req, const std::string& id, bool svg,
           const responder& respond) {
    auto r = h.find(id);
    if (!r) {
        return respond(no_such_session(req));
    }
    const auto all = share_links(h, req, id);
    if (!svg) return respond(json_response(req, http::status::ok, protocol::dump(all)));
    const auto& join = all["join"].get_ref<const std::string&>();
    auto grid = archive::qr_encode(join);
    if (!grid) {
        return respond(error_response(req, http::status::internal_server_error, "too_long",
                                      "The join link is too long for a QR code."));
    }
    const auto c = r->config();
    auto res = make_response(req, http::status::ok,
                             archive::qr_svg(*grid, "QR code: join " + c.hashtag + " at " + join),
                             "image/svg+xml");
    res.set(http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", "default-src 'none'");
    respond(std::move(res));
}

void calendar(hub& h, const http_request& req, const std::string& id, const responder& respond) {
    auto r = h.find(id);
    if (!r) {
        return respond(no_such_session(req));
    }
    auto ics =
        protocol::session_calendar(r->config(), base_url(req, h.opts().public_url), h.time().now());
    if (!ics) {
        return respond(error_response(req, ics.err()));
    }
    auto res =
        make_response(req, http::status::ok, std::move(*ics), "text/calendar; charset=utf-8");
    res.set(http::field::content_disposition, "inline; filename=\"" + id + ".ics\"");
    respond(std::move(res));
}

void patch_session(hub& h, const http_request& req, const std::string& id,
                   const responder& respond) {
    auto r = h.find(id);
    if (!r) {
        return respond(no_such_session(req));
    }
    auto key = bearer(req);
    if (!key) {
        return respond(error_response(req, http::status::unauthorized, "bad_key",
                                      "Send a moderator key as Authorization: Bearer <key>."));
    }
    in_room(h, req, id, respond, [req, respond, hash = sha256_hex(*key)](room& r) {
        r.patch(hash, req.body(), [req, respond](core::result<std::string> result) {
            if (!result) {
                return respond(error_response(req, result.err()));
            }
            respond(json_response(req, http::status::ok, std::move(*result)));
        });
    });
}

// The creation token and the per-address creation cap, for sessions and series alike; false if
// it already answered.
bool admit_creation(hub& h, const http_request& req, const std::string& address,
                    const responder& respond) {
    if (const auto& token = h.opts().creation_token; !token.empty()) {
        const auto given = bearer(req);
        if (!given || !core::hashes_equal(sha256_hex(*given), sha256_hex(token))) {
            respond(error_response(req, http::status::unauthorized, "bad_key",
                                   "Creating here needs the server's creation token "
                                   "(Authorization: Bearer <token>)."));
            return false;
        }
    }
    if (auto wait = h.admit_creation(address)) {
        auto res = error_response(req, http::status::too_many_requests, "rate_limited",
                                  "Too many chats created from your network address; try again "
                                  "later.");
        res.set(http::field::retry_after,
                std::to_string(std::chrono::ceil<std::chrono::seconds>(*wait).count()));
        respond(std::move(res));
        return false;
    }
    return true;
}

void create_series(hub& h, const http_request& req, const std::string& address,
                   const responder& respond) {
    if (!admit_creation(h, req, address, respond)) return;
    h.sessions_catalog().create_series(req.body(),
                                       [&h, req, respond](core::result<created_series> created) {
                                           series_created(h, req, respond, created);
                                       });
}

void series_created(hub& h, const http_request& req, const responder& respond,
                    const core::result<created_series>& created) {
    if (!created) {
        return respond(error_response(req, created.err()));
    }
    json sessions = json::array();
    for (const auto& id : created->sessions) {
        auto r = h.find(id);
        const auto c = r->config();
        const std::string join = "/s/" + id;
        sessions.push_back(
            {{"id", id},
             {"start", c.timetable.start ? json(protocol::format_instant(*c.timetable.start))
                                         : json(nullptr)},
             {"urls",
              {{"join", join},
               {"moderate", join + "/moderate#key=" + created->moderator_key},
               {"screen", join + "/screen"}}}});
    }
    respond(json_response(req, http::status::created,
                          protocol::dump(json{{"id", created->id},
                                              {"moderator_key", created->moderator_key},
                                              {"urls", {{"series", "/series/" + created->id}}},
                                              {"sessions", std::move(sessions)}})));
}

void extend_series(hub& h, const http_request& req, const std::string& id,
                   const responder& respond) {
    auto key = bearer(req);
    if (!key) {
        return respond(error_response(req, http::status::unauthorized, "bad_key",
                                      "Send the series key as Authorization: Bearer <key>."));
    }
    int count = 1;
    if (!req.body().empty()) {
        const json j = json::parse(req.body(), nullptr, false);
        if (j.is_discarded() || !j.is_object() || j.size() > 1 ||
            (j.size() == 1 &&
             (!j.contains("count") || !j["count"].is_number_integer() ||
              j["count"].get<long long>() < 1 || j["count"].get<long long>() > 12))) {
            return respond(error_response(req, http::status::bad_request, "bad_request",
                                          "The body is {\"count\": 1 to 12}, or empty."));
        }
        if (j.contains("count")) count = j["count"].get<int>();
    }
    h.sessions_catalog().extend_series(
        id, *key, count, [req, respond](core::result<std::vector<std::string>> made) {
            if (!made) {
                return respond(error_response(req, made.err()));
            }
            respond(json_response(req, http::status::created,
                                  protocol::dump(json{{"sessions", *made}})));
        });
}

void series_route(hub& h, const http_request& req, const std::string& id, const std::string& rest,
                  const responder& respond) {
    auto s = h.sessions_catalog().find_series(id);
    if (!s) {
        return respond(error_response(req, http::status::not_found, "not_found",
                                      "There is no series with that id."));
    }
    auto rooms = h.sessions_catalog().sessions_of_series(id);
    if (rest.empty()) {
        json sessions = json::array();
        for (auto& r : rooms) sessions.push_back(json::parse(r->view_json()));
        return respond(json_response(
            req, http::status::ok, protocol::dump(protocol::series_view(*s, std::move(sessions)))));
    }
    if (rest == "calendar.ics") {
        std::vector<core::session_config> configs;
        for (auto& r : rooms) configs.push_back(r->config());
        auto ics = protocol::sessions_calendar(configs, s->hashtag + " " + s->title,
                                               base_url(req, h.opts().public_url), h.time().now());
        if (!ics) {
            return respond(error_response(req, ics.err()));
        }
        auto res =
            make_response(req, http::status::ok, std::move(*ics), "text/calendar; charset=utf-8");
        res.set(http::field::content_disposition, "inline; filename=\"" + id + ".ics\"");
        return respond(std::move(res));
    }
    respond(
        error_response(req, http::status::not_found, "not_found", "There is no such resource."));
}

void list_sessions(hub& h, const http_request& req, const responder& respond) {
    std::string body = "{\"sessions\":[";
    bool first = true;
    for (const auto& r : h.sessions()) {
        if (!first) body += ',';
        first = false;
        body += r->view_json();
    }
    body += "]}";
    respond(json_response(req, http::status::ok, std::move(body)));
}

void advance_clock(hub& h, const http_request& req, const responder& respond) {
    const json j = json::parse(req.body(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("advance_seconds") ||
        !j["advance_seconds"].is_number_integer() || j["advance_seconds"].get<long long>() < 0 ||
        j["advance_seconds"].get<long long>() > 366LL * 24 * 3600) {
        return respond(error_response(req, http::status::bad_request, "bad_request",
                                      "Send {\"advance_seconds\": N} with 0 <= N <= one year."));
    }
    const auto seconds = std::chrono::seconds(j["advance_seconds"].get<long long>());
    h.advance_clock(
        std::chrono::duration_cast<core::duration>(seconds), [req, respond](core::instant now) {
            respond(json_response(req, http::status::ok,
                                  protocol::dump(json{{"now", protocol::format_instant(now)}})));
        });
}

}  // namespace

namespace {

// `looked_up`: several nodes, a session id this node did not know was looked for in the store.
void route(hub& h, const http_request& req, bool from_loopback, const std::string& address,
           responder respond, bool looked_up) {
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;
    auto not_allowed = [&] {
        respond(error_response(req, http::status::method_not_allowed, "bad_request",
                               "That method is not allowed here."));
    };

    if (path == "/healthz") {
        if (!get) return not_allowed();
        return respond(
            json_response(req, http::status::ok,
                          protocol::dump(json{{"status", "ok"},
                                              {"now", protocol::format_instant(h.time().now())}})));
    }
    if (path == "/metrics") {
        if (!get) return not_allowed();
        return respond(make_response(req, http::status::ok, h.stats().render(),
                                     "text/plain; version=0.0.4; charset=utf-8"));
    }
    if (handle_archive(h, req, path, respond)) return;
    if (path == "/api/series") {
        if (method != http::verb::post) return not_allowed();
        return create_series(h, req, address, respond);
    }
    if (path.rfind("/api/series/", 0) == 0) {
        std::string id(path.substr(std::string_view("/api/series/").size()));
        std::string rest;
        if (const auto slash = id.find('/'); slash != std::string::npos) {
            rest = id.substr(slash + 1);
            id.resize(slash);
        }
        if (rest == "sessions" && method == http::verb::post) {
            return extend_series(h, req, id, respond);
        }
        if (!get) return not_allowed();
        return series_route(h, req, id, rest, respond);
    }
    if (path == "/api/sessions") {
        if (method == http::verb::post) return create_session(h, req, address, respond);
        if (get) return list_sessions(h, req, respond);
        return not_allowed();
    }
    if (path.rfind("/api/sessions/", 0) == 0) {
        std::string id(path.substr(std::string_view("/api/sessions/").size()));
        std::optional<std::string> rest;  // what follows the id and a '/'
        if (const auto slash = id.find('/'); slash != std::string::npos) {
            rest = id.substr(slash + 1);
            id.resize(slash);
        }
        if (h.clustered() && !looked_up && !h.find(id)) {
            // Several nodes: made on another one a moment ago? Looked for, then routed again.
            return h.lookup(id, [hp = h.shared_from_this(), req, from_loopback, address,
                                 respond = std::move(respond)]() mutable {
                route(*hp, req, from_loopback, address, std::move(respond), true);
            });
        }
        if (rest) {
            if (*rest == "keys") return keys_route(h, req, id, "", respond);
            if (*rest == "qr.svg" || *rest == "links") {
                if (!get) return not_allowed();
                return links(h, req, id, *rest == "qr.svg", respond);
            }
            if (*rest == "calendar.ics") {
                if (!get) return not_allowed();
                return calendar(h, req, id, respond);
            }
            if (rest->rfind("keys/", 0) == 0 && rest->size() > 5) {
                return keys_route(h, req, id, rest->substr(5), respond);
            }
            return respond(error_response(req, http::status::not_found, "not_found",
                                          "There is no such resource."));
        }
        if (method == http::verb::patch) return patch_session(h, req, id, respond);
        if (!get) return not_allowed();
        auto r = h.find(id);
        if (!r) {
            return respond(no_such_session(req));
        }
        return respond(json_response(req, http::status::ok, r->view_json()));
    }
    if (path == "/api/test/clock") {
        if (!h.time().is_test() || !from_loopback) {
            return respond(error_response(req, http::status::not_found, "not_found",
                                          "There is no such resource."));
        }
        if (method != http::verb::post) return not_allowed();
        return advance_clock(h, req, respond);
    }
    if (path.rfind("/api/", 0) == 0) {
        return respond(error_response(req, http::status::not_found, "not_found",
                                      "There is no such resource."));
    }
    if (!get) return not_allowed();
    const auto accept = req[http::field::accept_encoding];
    if (auto file =
            find_static(h.opts().web_root, path, std::string_view(accept.data(), accept.size()))) {
        auto res = make_response(req, http::status::ok, std::move(file->body), file->content_type);
        // Every file may have compressed copies: caches keep one per encoding.
        res.set(http::field::vary, "Accept-Encoding");
        if (!file->encoding.empty()) res.set(http::field::content_encoding, file->encoding);
        res.set(http::field::cache_control,
                file->immutable ? "public, max-age=31536000, immutable" : "no-cache");
        if (file->content_type.rfind("text/html", 0) == 0) {
            res.set("Content-Security-Policy",
                    "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
                    "frame-ancestors 'none'");
            res.set("Referrer-Policy", "no-referrer");
        }
        if (method == http::verb::head) res.body().clear();
        return respond(std::move(res));
    }
    if (is_app_page(path)) {
        return respond(make_response(
            req, http::status::not_found,
            "The web client is not built: run `npm run build` (scripts/run does it).\n",
            "text/plain; charset=utf-8"));
    }
    respond(error_response(req, http::status::not_found, "not_found", "There is no such page."));
}

}  // namespace

void handle_http(hub& h, const http_request& req, bool from_loopback, const std::string& address,
                 responder respond) {
    route(h, req, from_loopback, address, std::move(respond), false);
}

}  // namespace hashchat::server
