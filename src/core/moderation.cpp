// The moderator's side of a session: hide/pin posts, mute/ban members, the pre-moderation
// queue, and the moderators' log (who did what).
#include <algorithm>

#include "core/session.hpp"
#include "core/text.hpp"

namespace hashchat::core {

namespace {
std::string cid_key_of(const std::string& author_key, const std::string& cid) {
    return author_key + '\n' + cid;
}

// `"hide" needs "seq", the post.` Appended, not `+`: gcc 12 at -O3 reports a false -Wrestrict
// in `std::string("\"") + ...`.
std::string needs(mod_action action, std::string_view what) {
    std::string message = "\"";
    message += to_string(action);
    message += "\" needs ";
    message += what;
    return message;
}
}  // namespace

void session::note_post(const std::string& author_key, instant at) {
    // The latest of the author's posts, whichever log it is replayed from first.
    auto [it, inserted] = last_post_at_.emplace(author_key, at);
    if (!inserted) it->second = std::max(it->second, at);
}

bool session::is_banned(const std::string& handle) const {
    return banned_.count(handle_key(handle)) > 0;
}

bool session::is_muted(const std::string& handle) const {
    return muted_.count(handle_key(handle)) > 0;
}

bool session::address_banned(const std::string& address_hash) const {
    if (address_hash.empty()) return false;
    return std::any_of(banned_addresses_.begin(), banned_addresses_.end(),
                       [&](const auto& entry) { return entry.second.count(address_hash) > 0; });
}

std::vector<mod_entry> session::waiting_posts() const {
    std::vector<mod_entry> out;
    for (const auto& [n, m] : waiting_) out.push_back(m);
    return out;
}

std::optional<error> session::check_voice(const actor& who) const {
    if (is_banned(who.handle)) {
        return make_error(error_code::banned, "A moderator has banned you from this chat.");
    }
    if (who.who == role::participant && is_muted(who.handle)) {
        return make_error(error_code::muted,
                          "A moderator has muted you: you can read, but not post, in this chat.");
    }
    return std::nullopt;
}

mod_entry session::make_mod(instant at, std::string kind, const actor& by) {
    mod_entry m;
    m.n = mod_head_ + 1;
    m.at = at;
    m.kind = std::move(kind);
    m.by = by.handle;
    return m;
}

void session::record(outcome& out, mod_entry m) {
    apply(m);
    out.mod.push_back(std::move(m));
}

result<outcome> session::moderate(const actor& who, const moderate_cmd& cmd, instant now) {
    if (who.who != role::moderator) {
        return make_error(error_code::not_allowed, "Only a moderator can do that.");
    }
    switch (cmd.action) {
        case mod_action::hide:
        case mod_action::unhide:
        case mod_action::pin:
        case mod_action::unpin:
            return moderate_post(who, cmd, now);
        case mod_action::mute:
        case mod_action::unmute:
        case mod_action::ban:
        case mod_action::unban:
            return moderate_member(who, cmd, now);
        case mod_action::approve:
        case mod_action::reject:
            return moderate_pending(who, cmd, now);
    }
    return make_error(error_code::bad_request, "Unknown moderation action.");
}

result<outcome> session::moderate_post(const actor& who, const moderate_cmd& cmd, instant now) {
    if (!cmd.target) {
        return make_error(error_code::bad_request, needs(cmd.action, "\"seq\", the post."));
    }
    auto it = posts_.find(*cmd.target);
    if (it == posts_.end() || it->second.deleted) {
        return make_error(error_code::not_found,
                          "Post " + std::to_string(*cmd.target) + " does not exist.");
    }
    const auto& p = it->second;
    const bool already = (cmd.action == mod_action::hide && p.hidden) ||
                         (cmd.action == mod_action::unhide && !p.hidden) ||
                         (cmd.action == mod_action::pin && p.pinned) ||
                         (cmd.action == mod_action::unpin && !p.pinned);
    if (already) {
        return make_error(error_code::bad_request,
                          "Post " + std::to_string(*cmd.target) + " is already " +
                              (cmd.action == mod_action::hide || cmd.action == mod_action::unpin
                                   ? (cmd.action == mod_action::hide ? "hidden." : "not pinned.")
                                   : (cmd.action == mod_action::unhide ? "visible." : "pinned.")));
    }
    auto out = emit(now, moderation_event{cmd.action, cmd.target, std::nullopt});
    auto m = make_mod(now, std::string(to_string(cmd.action)), who);
    m.target = cmd.target;
    m.seq = out.events.back().seq;
    record(out, std::move(m));
    return out;
}

result<outcome> session::moderate_member(const actor& who, const moderate_cmd& cmd, instant now) {
    if (!cmd.handle || !valid_handle(*cmd.handle)) {
        return make_error(error_code::bad_request,
                          needs(cmd.action, "\"handle\", the participant's handle."));
    }
    const auto key = handle_key(*cmd.handle);
    auto member_it = members_.find(key);
    if (member_it == members_.end()) {
        return make_error(error_code::not_found,
                          "Nobody uses the handle " + *cmd.handle + " here.");
    }
    if (key == handle_key(who.handle)) {
        return make_error(error_code::bad_request, "You cannot do that to yourself.");
    }
    const std::string& handle = member_it->second.handle;
    const bool muted = muted_.count(key) > 0;
    const bool banned = banned_.count(key) > 0;
    if ((cmd.action == mod_action::mute && muted) || (cmd.action == mod_action::unmute && !muted) ||
        (cmd.action == mod_action::ban && banned) || (cmd.action == mod_action::unban && !banned)) {
        return make_error(error_code::bad_request,
                          handle + " is already " +
                              (cmd.action == mod_action::mute     ? "muted."
                               : cmd.action == mod_action::unmute ? "not muted."
                               : cmd.action == mod_action::ban    ? "banned."
                                                                  : "not banned."));
    }
    auto out = emit(now, moderation_event{cmd.action, std::nullopt, handle});
    auto m = make_mod(now, std::string(to_string(cmd.action)), who);
    m.handle = handle;
    m.seq = out.events.back().seq;
    if (cmd.action == mod_action::ban && cmd.ban_address) {
        m.ban_address = true;
        m.detail = std::to_string(cmd.address_hashes.size()) + " network addresses";
        m.address_hashes = cmd.address_hashes;
    }
    record(out, std::move(m));
    return out;
}

result<outcome> session::moderate_pending(const actor& who, const moderate_cmd& cmd, instant now) {
    if (!cmd.pending) {
        return make_error(error_code::bad_request,
                          needs(cmd.action, "\"pending\", the waiting post's number."));
    }
    auto it = waiting_.find(*cmd.pending);
    if (it == waiting_.end() || !it->second.post) {
        return make_error(error_code::not_found,
                          "No post is waiting as number " + std::to_string(*cmd.pending) + ".");
    }
    const post_event waiting_post = *it->second.post;
    outcome out;
    if (cmd.action == mod_action::approve) {
        // The post enters the public log now, as its author wrote it.
        out = emit(now, waiting_post);
    }
    auto m = make_mod(now, std::string(to_string(cmd.action)), who);
    m.pending = *cmd.pending;
    m.post = waiting_post;
    if (!out.events.empty()) m.seq = out.events.back().seq;
    record(out, std::move(m));
    return out;
}

void session::apply_moderation(const moderation_event& m, seq_t seq) {
    if (m.target) {
        auto it = posts_.find(*m.target);
        if (it == posts_.end()) return;
        if (m.action == mod_action::hide) it->second.hidden = true;
        if (m.action == mod_action::unhide) it->second.hidden = false;
        if (m.action == mod_action::pin) it->second.pinned = true;
        if (m.action == mod_action::unpin) it->second.pinned = false;
        return;
    }
    if (!m.handle) return;
    const auto key = handle_key(*m.handle);
    if (m.action == mod_action::mute) muted_.insert(key);
    if (m.action == mod_action::unmute) muted_.erase(key);
    if (m.action == mod_action::ban) banned_.insert(key);
    if (m.action == mod_action::unban) {
        banned_.erase(key);
        banned_addresses_.erase(key);
        last_unban_[key] = seq;
    }
}

void session::apply(const mod_entry& m) {
    mod_head_ = std::max(mod_head_, m.n);
    if (m.kind == "pending" && m.post) {
        waiting_[m.n] = m;
        pending_cids_[cid_key_of(handle_key(m.post->author), m.post->cid)] = m.n;
        note_post(handle_key(m.post->author), m.at);
    } else if ((m.kind == "approve" || m.kind == "reject") && m.pending) {
        waiting_.erase(*m.pending);
        if (m.post) {
            const auto key = cid_key_of(handle_key(m.post->author), m.post->cid);
            pending_cids_.erase(key);
            if (m.kind == "reject") decided_cids_[key] = true;
        }
    } else if (m.kind == "ban" && m.handle && m.ban_address) {
        // On replay the public log comes first: a later unban has already been applied.
        const auto key = handle_key(*m.handle);
        const auto unban = last_unban_.find(key);
        if (unban != last_unban_.end() && m.seq && unban->second > *m.seq) return;
        auto& set = banned_addresses_[key];
        set.insert(m.address_hashes.begin(), m.address_hashes.end());
    }
}

}  // namespace hashchat::core
