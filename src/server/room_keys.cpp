// Co-moderator keys: the owner makes, lists and revokes them. Keys are configuration, stored at
// once (not in the event log); a revoked key's connections are closed.
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"
#include "protocol/time_format.hpp"
#include "server/crypto.hpp"
#include "server/room.hpp"

namespace hashchat::server {

namespace net = boost::asio;
using nlohmann::json;

namespace {

// The owner's key, or why not.
core::result<core::moderator_key> owner_of(const core::session& s, const std::string& hash) {
    const auto* k = s.key_by_hash(hash);
    if (!k) return core::make_error(core::error_code::bad_key, "That key is not valid here.");
    if (!k->owner) {
        return core::make_error(core::error_code::not_allowed,
                                "Only the key made with the session manages moderator keys.");
    }
    return *k;
}

}  // namespace

void room::create_key(std::string owner_hash, std::string label, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        label = std::move(label), done = std::move(done)] {
        std::lock_guard lock(self->state_mutex_);
        auto owner = owner_of(self->session_, owner_hash);
        if (!owner) return done(owner.err());
        const std::string key = random_token(32);
        auto record = self->session_.next_key(sha256_hex(key), label, self->deps_.time.now());
        self->deps_.db.add_key(self->id_, record);
        self->session_.add_key(record);
        const std::string moderate = "/s/" + self->id_ + "/moderate#key=" + key;
        done(protocol::dump(json{{"key_id", record.id},
                                 {"key", key},
                                 {"label", record.label},
                                 {"urls", {{"moderate", moderate}}}}));
    });
}

void room::list_keys(std::string owner_hash, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        done = std::move(done)] {
        std::lock_guard lock(self->state_mutex_);
        auto owner = owner_of(self->session_, owner_hash);
        if (!owner) return done(owner.err());
        json keys = json::array();
        for (const auto& k : self->session_.keys()) {
            keys.push_back({{"key_id", k.id},
                            {"label", k.label},
                            {"owner", k.owner},
                            {"revoked", k.revoked},
                            {"created_at", protocol::format_instant(k.created_at)}});
        }
        done(protocol::dump(json{{"keys", std::move(keys)}}));
    });
}

void room::revoke_key(std::string owner_hash, std::string key_id, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        key_id = std::move(key_id), done = std::move(done)] {
        {
            std::lock_guard lock(self->state_mutex_);
            auto owner = owner_of(self->session_, owner_hash);
            if (!owner) return done(owner.err());
            auto revoked = self->session_.revoke_key(key_id);
            if (!revoked) return done(revoked.err());
            self->deps_.db.revoke_key(self->id_, key_id);
        }
        for (auto& [id, m] : self->members_) {
            if (m.key_id == key_id) {
                m.who.who = core::role::participant;  // no moderator power while it closes
                m.conn->close(boost::beast::websocket::close_code::policy_error);
            }
        }
        done(std::string());
    });
}

void room::patch(std::string key_hash, std::string body, key_reply done) {
    net::post(strand_, [self = shared_from_this(), key_hash = std::move(key_hash),
                        body = std::move(body), done = std::move(done)] {
        self->do_tick({});
        std::vector<core::event> events;
        std::string config_json;
        {
            std::lock_guard lock(self->state_mutex_);
            if (!self->session_.key_by_hash(key_hash)) {
                return done(core::make_error(core::error_code::bad_key,
                                             "That key is not a moderator key of this chat."));
            }
            const auto now = self->deps_.time.now();
            auto next = protocol::apply_patch(self->session_.config(), body, now);
            if (!next) return done(next.err());
            auto changed = self->session_.reconfigure(std::move(*next), now);
            if (!changed) return done(changed.err());
            events = std::move(*changed);
            config_json = protocol::config_to_json(self->session_.config());
        }
        // The new configuration and the phase change it caused are one transaction.
        self->persist(events, {}, {}, {{self->id_, config_json}});
        self->arm_timer();
        self->when_durable([self, done] { done(self->view_json()); });
    });
}

}  // namespace hashchat::server
