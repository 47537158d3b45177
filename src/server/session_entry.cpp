#include "server/session_entry.hpp"

#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"

namespace hashchat::server {

std::vector<std::string> valid_key_hashes(const std::vector<core::moderator_key>& keys) {
    std::vector<std::string> out;
    for (const auto& k : keys) {
        if (!k.revoked) out.push_back(k.hash);
    }
    return out;
}

session_entry::session_entry(core::session_config config, std::vector<core::moderator_key> keys,
                             const store::log_marks& marks)
    : session_entry(std::move(config), std::move(keys)) {
    room_standing s = standing_;
    s.head = marks.head;
    for (const auto& row : marks.phases) {
        auto e = protocol::parse_event(row.body, row.cid);
        if (!e) throw store::store_error("session " + id_ + ": a stored phase cannot be read");
        s.note_phase(*e);
    }
    note(s);
}

session_entry::session_entry(core::session_config config, std::vector<core::moderator_key> keys)
    : id_(config.id), created_at_(config.created_at), bare_(config, valid_key_hashes(keys)) {
    standing_.config = std::move(config);
    standing_.keys = std::move(keys);
    bare_.set_keys(standing_.keys);
}

void session_entry::note(const room_standing& s) {
    bare_ = core::session(s.config, valid_key_hashes(s.keys));
    bare_.set_keys(s.keys);
    if (s.last_phase) bare_.apply(*s.last_phase);
    standing_ = s;
}

std::shared_ptr<room> session_entry::loaded() {
    std::lock_guard lock(mutex_);
    return room_;
}

void session_entry::set_room(std::shared_ptr<room> r) {
    std::lock_guard lock(mutex_);
    room_ = std::move(r);
}

void session_entry::unload(room_standing s) {
    std::lock_guard lock(mutex_);
    note(s);
    room_.reset();
}

core::session_config session_entry::config() {
    if (auto r = loaded()) return r->config();
    std::lock_guard lock(mutex_);
    return standing_.config;
}

std::string session_entry::view_json() {
    if (auto r = loaded()) return r->view_json();
    std::lock_guard lock(mutex_);
    auto j = protocol::session_view(bare_, 0);
    j["head"] = standing_.head;
    return protocol::dump(j);
}

room_summary session_entry::summary() {
    if (auto r = loaded()) return r->summary();
    std::lock_guard lock(mutex_);
    room_summary s;
    s.config = standing_.config;
    s.started_at = standing_.marks.started_at;
    s.ended_at = standing_.marks.ended_at;
    s.state = standing_.marks.state();
    s.head = standing_.head;
    return s;
}

room_standing session_entry::standing() {
    std::lock_guard lock(mutex_);
    return standing_;
}

std::optional<core::instant> session_entry::next_due() {
    std::lock_guard lock(mutex_);
    return bare_.next_due();
}

}  // namespace hashchat::server
