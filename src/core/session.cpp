#include "core/session.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace hashchat::core {

namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};

bool valid_cid(const std::string& cid) {
    if (cid.empty() || cid.size() > 64) return false;
    return std::all_of(cid.begin(), cid.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == ':' || c == '-';
    });
}

std::string cid_key(const std::string& author_key, const std::string& cid) {
    return author_key + '\n' + cid;
}

// "k1", "k2", ... Built by appending: gcc 12 at -O3 reports a false -Wrestrict in
// `"k" + std::to_string(n)` (and in assigning a literal before appending).
std::string key_id(std::size_t n) {
    std::string id = "k";
    id += std::to_string(n);
    return id;
}

}  // namespace

bool hashes_equal(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

session::session(session_config config, std::vector<std::string> moderator_key_hashes, limits lim)
    : config_(std::move(config)),
      keys_([&] {
          std::vector<moderator_key> keys;
          for (auto& h : moderator_key_hashes) {
              moderator_key k;
              k.id = key_id(keys.size() + 1);
              k.hash = std::move(h);
              k.owner = keys.empty();
              k.label = k.owner ? "owner" : "";
              keys.push_back(std::move(k));
          }
          return keys;
      }()),
      limits_(lim),
      schedule_(config_.timetable),
      phase_(schedule_.initial()) {}

event session::make(instant at, event_body body) { return event{head_ + 1, at, std::move(body)}; }

outcome session::emit(instant at, event_body body) {
    outcome out;
    out.events.push_back(make(at, std::move(body)));
    apply(out.events.back());
    return out;
}

std::vector<event> session::tick(instant now) {
    std::vector<event> out;
    for (auto& change : schedule_.advance(phase_, now)) {
        phase_event body{change.state, schedule_.round_of(change.state),
                         schedule_.question_of(change.state),
                         schedule_.scheduled_release(change.state)};
        out.push_back(make(change.at, std::move(body)));
        apply(out.back());
    }
    return out;
}

std::optional<error> session::check_since(seq_t since) const {
    if (since <= head_) return std::nullopt;
    return make_error(error_code::bad_since, "This session has only " + std::to_string(head_) +
                                                 " events; load it again from 0.");
}

result<join_result> session::join(const join_request& req) const {
    if (!valid_handle(req.handle)) {
        return make_error(error_code::bad_handle,
                          "A handle is 1 to 20 letters, digits or underscores.");
    }
    const auto name_len = utf8_length(req.name);
    if (!name_len || *name_len == 0 || *name_len > limits_.max_name || is_blank(req.name)) {
        return make_error(
            error_code::bad_request,
            "A display name is 1 to " + std::to_string(limits_.max_name) + " characters of text.");
    }
    role who = role::participant;
    std::string key_id;
    if (req.key_hash) {
        const auto* k = key_by_hash(*req.key_hash);
        if (!k) return make_error(error_code::bad_key, "That moderator key is not valid here.");
        who = role::moderator;
        key_id = k->id;
    }
    if (auto e = check_since(req.since)) return *e;
    join_result out;
    const auto key = handle_key(req.handle);
    // An address ban does not lock out moderators, who may sit in the same pub or school.
    if (banned_.count(key) > 0 || (who == role::participant && address_banned(req.address_hash))) {
        return make_error(error_code::banned, "A moderator has banned you from this chat.");
    }
    if (auto it = members_.find(key); it != members_.end()) {
        if (!req.token_hash) {
            return make_error(error_code::handle_taken,
                              "Someone already uses the handle " + it->second.handle +
                                  " here. Pick another, or rejoin from the device that has it.");
        }
        if (!hashes_equal(it->second.token_hash, *req.token_hash)) {
            return make_error(error_code::bad_token,
                              "That resume token does not belong to " + it->second.handle + ".");
        }
        out.registered = it->second;
        if (out.registered.name != req.name) {
            out.registered.name = req.name;
            out.member_changed = true;
        }
    } else if (req.token_hash && req.token_strong) {
        // The client proposed its own token: a welcome lost on the way costs it nothing.
        out.registered = member{req.handle, req.name, *req.token_hash};
        out.member_changed = true;
    } else {
        out.registered = member{req.handle, req.name, req.new_token_hash};
        out.issued_token = true;
        out.member_changed = true;
    }
    out.who = actor{out.registered.handle, out.registered.name, who};
    out.key_id = key_id;
    return out;
}

result<std::vector<event>> session::reconfigure(session_config next, instant now) {
    next.id = config_.id;
    next.created_at = config_.created_at;
    next.series = config_.series;
    const bool waiting = phase_.phase == phase_kind::scheduled && phase_.segment < 0;
    if (!waiting && (next.timetable != config_.timetable || next.mode != config_.mode ||
                     next.timezone != config_.timezone || next.hashtag != config_.hashtag)) {
        return make_error(error_code::bad_request,
                          "The chat has started: only its title, description and options can "
                          "change now.");
    }
    std::vector<event> out;
    config_ = std::move(next);
    if (waiting) {
        schedule_ = live_schedule(config_.timetable);
        auto state = schedule_.initial();
        if (!(state == phase_)) {
            out.push_back(make(now, phase_event{state, std::nullopt, std::nullopt}));
            apply(out.back());
        }
    }
    return out;
}

void session::adopt(session_config next) {
    const bool waiting = phase_.phase == phase_kind::scheduled && phase_.segment < 0;
    const bool timetable_changed = next.timetable != config_.timetable;
    config_ = std::move(next);
    if (waiting && timetable_changed) schedule_ = live_schedule(config_.timetable);
}

const moderator_key* session::key_by_hash(const std::string& hash) const {
    for (const auto& k : keys_) {
        if (!k.revoked && hashes_equal(k.hash, hash)) return &k;
    }
    return nullptr;
}

result<moderator_key> session::owner_key(const std::string& hash) const {
    const auto* k = key_by_hash(hash);
    if (!k) return make_error(error_code::bad_key, "That key is not valid here.");
    if (!k->owner) {
        return make_error(error_code::not_allowed,
                          "Only the key made with the session manages moderator keys.");
    }
    return *k;
}

moderator_key session::next_key(std::string hash, std::string label, instant now) const {
    moderator_key k;
    k.id = key_id(keys_.size() + 1);
    k.hash = std::move(hash);
    k.label = std::move(label);
    k.created_at = now;
    return k;
}

result<moderator_key> session::revoke_key(const std::string& id) {
    for (auto& k : keys_) {
        if (k.id != id) continue;
        if (k.owner) {
            return make_error(error_code::bad_request, "The owner's key cannot be revoked.");
        }
        if (k.revoked) return make_error(error_code::bad_request, "That key is already revoked.");
        k.revoked = true;
        return k;
    }
    return make_error(error_code::not_found, "There is no key " + id + " in this session.");
}

void session::set_member(member m) {
    auto key = handle_key(m.handle);
    members_[key] = std::move(m);
}

result<outcome> session::handle(const actor& who, const command& cmd, instant now) {
    return std::visit(overloaded{
                          [&](const post_cmd& c) { return post(who, c, now); },
                          [&](const like_cmd& c) { return like(who, c, now); },
                          [&](const edit_cmd& c) { return edit(who, c, now); },
                          [&](const delete_cmd& c) { return remove(who, c, now); },
                          [&](const control_cmd& c) { return control(who, c, now); },
                          [&](const announce_cmd& c) { return announce(who, c, now); },
                          [&](const moderate_cmd& c) { return moderate(who, c, now); },
                      },
                      cmd);
}

std::optional<error> session::check_text(const std::string& text) const {
    const auto len = utf8_length(text);
    if (!len) return make_error(error_code::bad_request, "The text is not valid UTF-8.");
    if (*len == 0 || is_blank(text)) return make_error(error_code::empty, "The text is empty.");
    if (has_control_chars(text)) {
        return make_error(error_code::bad_request,
                          "The text contains control characters (only tab and line breaks are "
                          "allowed).");
    }
    if (*len > limits_.max_text) {
        return make_error(error_code::too_long,
                          "A post can have at most " + std::to_string(limits_.max_text) +
                              " characters; this one has " + std::to_string(*len) + ".");
    }
    return std::nullopt;
}

const session::post_state* session::visible_post(seq_t seq) const {
    auto it = posts_.find(seq);
    if (it == posts_.end() || it->second.deleted || it->second.hidden) return nullptr;
    return &it->second;
}

result<std::optional<int>> session::round_for(const post_cmd& cmd) const {
    std::optional<int> round = cmd.round;
    if (!round) round = answer_prefix(cmd.text);
    if (!round && cmd.reply_to) {
        if (const auto* parent = visible_post(*cmd.reply_to)) return parent->round;
    }
    if (!round) return schedule_.round_of(phase_);
    const int questions = static_cast<int>(config_.timetable.questions.size());
    if (*round < 0 || *round > questions) {
        return make_error(error_code::bad_request, "There is no Q" + std::to_string(*round) +
                                                       " in this chat (it has " +
                                                       std::to_string(questions) + " questions).");
    }
    if (*round > schedule_.asked(phase_)) {
        return make_error(error_code::bad_request,
                          "Q" + std::to_string(*round) + " has not been asked yet.");
    }
    return round;
}

result<outcome> session::post(const actor& who, const post_cmd& cmd, instant now) {
    if (!valid_cid(cmd.cid)) {
        return make_error(error_code::bad_request,
                          "A cid is 1 to 64 of letters, digits and _ . : -");
    }
    const auto author_key = handle_key(who.handle);
    const auto key = cid_key(author_key, cmd.cid);
    if (auto it = cids_.find(key); it != cids_.end()) {
        outcome out;
        out.duplicate_of = it->second;
        return out;
    }
    if (auto it = pending_cids_.find(key); it != pending_cids_.end()) {
        outcome out;
        out.pending = it->second;
        return out;
    }
    if (decided_cids_.count(key) > 0) {
        return make_error(error_code::not_allowed, "A moderator did not approve this post.");
    }
    if (auto e = check_voice(who)) return *e;
    if (closed()) return make_error(error_code::closed, "The chat has ended; posting is closed.");
    if (auto e = check_text(cmd.text)) return *e;
    if (who.who == role::participant && config_.options.slowdown_seconds > 0) {
        if (auto it = last_post_at_.find(author_key); it != last_post_at_.end()) {
            const auto next = it->second + std::chrono::seconds(config_.options.slowdown_seconds);
            if (now < next) {
                auto e =
                    make_error(error_code::rate_limited,
                               "This chat allows one post every " +
                                   std::to_string(config_.options.slowdown_seconds) + " seconds.");
                e.retry_after_ms = (next - now).count();
                return e;
            }
        }
    }
    if (cmd.reply_to && !visible_post(*cmd.reply_to)) {
        return make_error(error_code::not_found,
                          "Post " + std::to_string(*cmd.reply_to) + " does not exist.");
    }
    auto round = round_for(cmd);
    if (!round) return round.err();
    post_event body{
        who.handle, who.name, who.who, cmd.text, *round, cmd.reply_to, mentions_in(cmd.text),
        cmd.cid};
    if (who.who == role::participant && config_.options.premoderation) {
        // Waits for a moderator: only the moderators' log knows it.
        outcome out;
        auto m = make_mod(now, "pending", who);
        m.pending = m.n;
        m.post = std::move(body);
        out.pending = m.n;
        record(out, std::move(m));
        return out;
    }
    return emit(now, std::move(body));
}

result<outcome> session::like(const actor& who, const like_cmd& cmd, instant now) {
    if (auto e = check_voice(who)) return *e;
    if (closed()) return make_error(error_code::closed, "The chat has ended.");
    const auto* target = visible_post(cmd.target);
    if (!target) {
        return make_error(error_code::not_found,
                          "Post " + std::to_string(cmd.target) + " does not exist.");
    }
    const auto key = handle_key(who.handle);
    const bool likes = target->likers.count(key) > 0;
    if (cmd.like && likes) return make_error(error_code::bad_request, "You already like it.");
    if (!cmd.like && !likes) return make_error(error_code::bad_request, "You do not like it.");
    const int count = static_cast<int>(target->likers.size()) + (cmd.like ? 1 : -1);
    return emit(now, like_event{cmd.target, who.handle, count, cmd.like});
}

result<outcome> session::edit(const actor& who, const edit_cmd& cmd, instant now) {
    const auto* target = visible_post(cmd.target);
    if (!target) {
        return make_error(error_code::not_found,
                          "Post " + std::to_string(cmd.target) + " does not exist.");
    }
    if (target->author_key != handle_key(who.handle)) {
        return make_error(error_code::not_allowed, "You can only edit your own posts.");
    }
    if (auto e = check_voice(who)) return *e;
    if (closed()) return make_error(error_code::closed, "The chat has ended; posts are final.");
    if (auto e = check_text(cmd.text)) return *e;
    return emit(now, edit_event{cmd.target, who.handle, cmd.text, mentions_in(cmd.text)});
}

result<outcome> session::remove(const actor& who, const delete_cmd& cmd, instant now) {
    if (is_banned(who.handle)) {
        return make_error(error_code::banned, "A moderator has banned you from this chat.");
    }
    auto it = posts_.find(cmd.target);
    const post_state* target = it == posts_.end() || it->second.deleted ? nullptr : &it->second;
    if (!target) {
        return make_error(error_code::not_found,
                          "Post " + std::to_string(cmd.target) + " does not exist.");
    }
    if (who.who != role::moderator && target->author_key != handle_key(who.handle)) {
        return make_error(error_code::not_allowed, "You can only delete your own posts.");
    }
    const bool by_moderator = target->author_key != handle_key(who.handle);
    auto out = emit(now, delete_event{cmd.target, who.handle});
    if (by_moderator) {
        auto m = make_mod(now, "delete", who);
        m.target = cmd.target;
        m.seq = out.events.back().seq;
        record(out, std::move(m));
    }
    return out;
}

result<outcome> session::control(const actor& who, const control_cmd& cmd, instant now) {
    if (who.who != role::moderator) {
        return make_error(error_code::not_allowed, "Only a moderator can run the chat.");
    }
    auto next = schedule_.control(phase_, cmd.action, cmd.minutes, now);
    if (!next) return next.err();
    // In a slow chat, a release (on time or early) names the instant it was scheduled for; an
    // extension or a pause changes no release.
    const bool releases = next->segment != phase_.segment && next->phase == phase_kind::round;
    phase_event body{*next, schedule_.round_of(*next), schedule_.question_of(*next),
                     releases ? schedule_.scheduled_release(*next) : std::nullopt};
    auto out = emit(now, std::move(body));
    auto m = make_mod(now, "control", who);
    m.detail = std::string(to_string(cmd.action));
    m.seq = out.events.back().seq;
    record(out, std::move(m));
    return out;
}

result<outcome> session::announce(const actor& who, const announce_cmd& cmd, instant now) {
    if (who.who != role::moderator) {
        return make_error(error_code::not_allowed, "Only a moderator can post announcements.");
    }
    if (auto e = check_text(cmd.text)) return *e;
    return emit(now, announce_event{who.handle, who.name, cmd.text});
}

void session::apply(const event& e) {
    head_ = e.seq;
    std::visit(overloaded{
                   [&](const post_event& p) {
                       const auto key = handle_key(p.author);
                       if (p.author_role == role::participant) note_post(key, e.at);
                       post_state s;
                       s.author_key = key;
                       s.round = p.round;
                       // Seqs only grow: the new post goes at the end, without a search.
                       posts_.insert_or_assign(posts_.end(), e.seq, std::move(s));
                       if (!p.cid.empty()) cids_[cid_key(key, p.cid)] = e.seq;
                   },
                   [&](const edit_event&) {},
                   [&](const delete_event& d) {
                       if (auto it = posts_.find(d.target); it != posts_.end()) {
                           it->second.deleted = true;
                       }
                   },
                   [&](const like_event& l) {
                       if (auto it = posts_.find(l.target); it != posts_.end()) {
                           if (l.like) {
                               it->second.likers.insert(handle_key(l.author));
                           } else {
                               it->second.likers.erase(handle_key(l.author));
                           }
                       }
                   },
                   [&](const announce_event&) {},
                   [&](const phase_event& p) { phase_ = p.state; },
                   [&](const moderation_event& m) { apply_moderation(m, e.seq); },
               },
               e.body);
}

}  // namespace hashchat::core
