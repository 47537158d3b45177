#include "server/store_copy.hpp"

#include <algorithm>
#include <map>

#include "protocol/event_json.hpp"
#include "protocol/series_json.hpp"
#include "protocol/session_json.hpp"
#include "store/index_ops.hpp"

namespace hashchat::server {

namespace {

std::int64_t ms_of(core::instant t) { return t.time_since_epoch().count(); }

std::vector<core::member> sorted(std::vector<core::member> ms) {
    std::sort(ms.begin(), ms.end(),
              [](const core::member& a, const core::member& b) { return a.handle < b.handle; });
    return ms;
}

}  // namespace

copy_report copy_store(store::store& from, store::store& to,
                       const std::function<void(const std::string&)>& progress) {
    if (!to.sessions().empty() || !to.series().empty()) {
        throw store::store_error("the target store is not empty: migrate copies into an empty one");
    }
    copy_report report;
    store::write_batch series;
    for (const auto& s : from.series()) {
        const auto config = protocol::series_from_json(s.config_json);
        series.new_series.push_back(
            {s.id, s.config_json, s.key_hash, config ? ms_of(config->created_at) : 0});
        ++report.series;
    }
    to.commit(series);

    for (const auto& stored : from.sessions()) {
        const auto config = protocol::config_from_json(stored.config_json);
        if (!config)
            throw store::store_error("session " + stored.id + ": unreadable configuration");
        store::write_batch b;
        const auto owner = std::find_if(stored.keys.begin(), stored.keys.end(),
                                        [](const core::moderator_key& k) { return k.id == "k1"; });
        if (owner == stored.keys.end()) {
            throw store::store_error("session " + stored.id + ": no owner key (k1)");
        }
        // The owner key was stored with the session, at its creation.
        b.new_sessions.push_back(
            {stored.id, stored.config_json, owner->hash, ms_of(owner->created_at)});
        for (const auto& k : stored.keys) {
            if (k.id != "k1") b.keys.push_back({stored.id, k, false});
            if (k.revoked) b.keys.push_back({stored.id, k, true});
            ++report.keys;
        }
        for (auto& m : from.members(stored.id)) {
            b.members.push_back({stored.id, std::move(m)});
            ++report.members;
        }
        const auto scope = store::post_scope(config->hashtag, config->series);
        core::seq_t head = 0;
        for (const auto& row : from.events(stored.id)) {
            const auto e = protocol::parse_event(row.body, row.cid);
            if (!e) throw store::store_error("session " + stored.id + ": unreadable event");
            store::event_row r;
            r.session_id = stored.id;
            r.seq = e->seq;
            r.at_ms = ms_of(e->at);
            r.kind = std::string(core::kind_of(e->body));
            r.cid = row.cid;
            r.body = std::make_shared<const std::string>(row.body);
            b.events.push_back(std::move(r));
            store::index_ops(stored.id, scope, *e, b.index);
            head = e->seq;
        }
        if (head > 0) b.indexed.emplace_back(stored.id, head);
        report.events += b.events.size();
        for (const auto& body : from.mod_entries(stored.id)) {
            const auto m = protocol::parse_mod(body);
            if (!m) throw store::store_error("session " + stored.id + ": unreadable moderation");
            b.mods.push_back({stored.id, m->n, ms_of(m->at), m->kind, body});
            ++report.mod_entries;
        }
        to.commit(b);
        ++report.sessions;
        if (progress) progress(stored.id);
    }
    return report;
}

std::vector<std::string> compare_stores(store::store& a, store::store& b) {
    std::vector<std::string> out;
    auto differ = [&](const std::string& where) { out.push_back(where); };

    std::map<std::string, std::pair<std::string, std::string>> series_a;
    for (const auto& s : a.series()) series_a[s.id] = {s.config_json, s.key_hash};
    std::map<std::string, std::pair<std::string, std::string>> series_b;
    for (const auto& s : b.series()) series_b[s.id] = {s.config_json, s.key_hash};
    if (series_a != series_b) differ("series");

    const auto sessions_a = a.sessions();
    std::map<std::string, const store::stored_session*> by_id;
    const auto sessions_b = b.sessions();
    for (const auto& s : sessions_b) by_id[s.id] = &s;
    if (sessions_a.size() != sessions_b.size()) differ("the number of sessions");
    std::vector<std::string> ids;
    for (const auto& s : sessions_a) {
        ids.push_back(s.id);
        const auto other = by_id.find(s.id);
        if (other == by_id.end()) {
            differ("session " + s.id + ": missing");
            continue;
        }
        const auto& t = *other->second;
        if (s.config_json != t.config_json) differ("session " + s.id + ": configuration");
        if (s.key_hashes != t.key_hashes || s.keys.size() != t.keys.size()) {
            differ("session " + s.id + ": moderator keys");
        } else {
            for (std::size_t i = 0; i < s.keys.size(); ++i) {
                const auto &x = s.keys[i], &y = t.keys[i];
                if (x.id != y.id || x.hash != y.hash || x.label != y.label || x.owner != y.owner ||
                    x.revoked != y.revoked || x.created_at != y.created_at) {
                    differ("session " + s.id + ": moderator key " + x.id);
                }
            }
        }
        const auto ma = sorted(a.members(s.id));
        const auto mb = sorted(b.members(s.id));
        bool same_members = ma.size() == mb.size();
        for (std::size_t i = 0; same_members && i < ma.size(); ++i) {
            same_members = ma[i].handle == mb[i].handle && ma[i].name == mb[i].name &&
                           ma[i].token_hash == mb[i].token_hash;
        }
        if (!same_members) differ("session " + s.id + ": members");
        const auto ea = a.events(s.id);
        const auto eb = b.events(s.id);
        bool same_log = ea.size() == eb.size();
        for (std::size_t i = 0; same_log && i < ea.size(); ++i) {
            same_log = ea[i].body == eb[i].body && ea[i].cid == eb[i].cid;
        }
        if (!same_log) differ("session " + s.id + ": log");
        if (a.mod_entries(s.id) != b.mod_entries(s.id)) {
            differ("session " + s.id + ": moderators' log");
        }
    }
    const auto counts_a = a.counts(ids);
    const auto counts_b = b.counts(ids);
    for (const auto& id : ids) {
        const auto x = counts_a.find(id);
        const auto y = counts_b.find(id);
        const store::post_counts none;
        const auto& cx = x == counts_a.end() ? none : x->second;
        const auto& cy = y == counts_b.end() ? none : y->second;
        if (cx.posts != cy.posts || cx.authors != cy.authors) {
            differ("session " + id + ": search index");
        }
    }
    if (a.authors(ids) != b.authors(ids)) differ("the search index's authors");
    return out;
}

}  // namespace hashchat::server
