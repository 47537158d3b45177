#include "store/index_ops.hpp"

#include "core/text.hpp"

namespace hashchat::store {

namespace {

std::string hex_word(char prefix, std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(1, prefix);
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out += digits[u >> 4];
        out += digits[u & 15];
    }
    return out;
}

}  // namespace

std::string hashtag_scope(std::string_view hashtag) {
    return hex_word('t', core::hashtag_key(hashtag).substr(1));
}

std::string series_scope(std::string_view series) { return hex_word('s', series); }

std::string post_scope(std::string_view hashtag, const std::optional<std::string>& series) {
    std::string out = hashtag_scope(hashtag);
    if (series) {
        // Not `" " + series_scope(...)`: gcc 12 at -O3 reports a false -Wrestrict there.
        out += ' ';
        out += series_scope(*series);
    }
    return out;
}

void index_ops(const std::string& session_id, const std::string& scope, const core::event& e,
               std::vector<post_index_op>& out) {
    using op = post_index_op;
    auto change = [&](op::kind what, core::seq_t target, std::string text = {}) {
        op o;
        o.what = what;
        o.session_id = session_id;
        o.seq = target;
        o.text = std::move(text);
        out.push_back(std::move(o));
    };
    if (const auto* p = std::get_if<core::post_event>(&e.body)) {
        op o;
        o.session_id = session_id;
        o.seq = e.seq;
        o.at_ms = e.at.time_since_epoch().count();
        o.author = p->author;
        o.name = p->name;
        o.round = p->round;
        o.reply_to = p->reply_to;
        o.text = p->text;
        o.scope = scope;
        out.push_back(std::move(o));
    } else if (const auto* ed = std::get_if<core::edit_event>(&e.body)) {
        change(op::kind::edit, ed->target, ed->text);
    } else if (const auto* d = std::get_if<core::delete_event>(&e.body)) {
        change(op::kind::remove, d->target);
    } else if (const auto* m = std::get_if<core::moderation_event>(&e.body); m && m->target) {
        if (m->action == core::mod_action::hide) change(op::kind::hide, *m->target);
        if (m->action == core::mod_action::unhide) change(op::kind::unhide, *m->target);
    }
}

}  // namespace hashchat::store
