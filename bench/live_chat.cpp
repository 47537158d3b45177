#include "live_chat.hpp"

#include <algorithm>
#include <iterator>

namespace hashchat::bench {

namespace {

constexpr std::string_view first_names[] = {
    "Amy",    "Ben",     "Chloé", "Dan",    "Emma",   "Femi",     "Grace", "Hannah",
    "Isla",   "José",    "Kate",  "Łukasz", "Mark",   "Ngozi",    "Olu",   "Priya",
    "Rhys",   "Siobhán", "Søren", "Tom",    "Una",    "Zoë",      "Björn", "Åsa",
    "Mei 美", "Yusuf",   "Anaïs", "Rania",  "Dmitri", "Fionnuala"};
constexpr std::string_view last_names[] = {
    "Smith",  "Jones",  "Okafor",   "García",    "Müller", "Nowak",
    "Brown",  "Patel",  "Ó Briain", "Lindqvist", "Chen",   "Williams",
    "Taylor", "Haddad", "Evans",    "Kowalczyk", "Dubois", "Ali"};
constexpr std::string_view name_extras[] = {"", "", "", "", " 🍎", " (Y6)", " 📚", ", SENCo"};

constexpr std::string_view questions[] = {
    "How do you start a lesson so that everyone is in from the first minute?",
    "What does great feedback look like in your classroom?",
    "How do you build a culture of reading for pleasure?",
    "Which routines save you the most time each week?",
    "How do you check for understanding without marking everything?",
    "What is one thing you have stopped doing, and why?",
    "How do you support students who find it hard to start a task?",
    "How do you make homework worth doing?",
    "Which piece of research changed your teaching?",
    "What will you try on Monday after tonight's chat?"};

struct person {
    std::string handle;
    std::string name;
};

struct post_info {
    core::seq_t seq = 0;
    std::size_t author = 0;
    int likes = 0;
    bool gone = false;  // deleted
};

// Builds the log in order; each event is timed when the segment it belongs to is laid out.
class chat_builder {
  public:
    chat_builder(const chat_params& p, const chat_text& text) : p_(p), text_(text), r_(p.seed) {}

    live_chat build() {
        live_chat chat;
        chat.config = config();
        make_people();
        const core::live_schedule schedule(chat.config.timetable);
        const auto changes =
            schedule.advance(schedule.initial(), p_.start + std::chrono::hours(24 * 7));
        const std::size_t rounds = chat.config.timetable.questions.size();
        for (std::size_t c = 0; c < changes.size(); ++c) {
            const auto& ch = changes[c];
            core::phase_event pe;
            pe.state = ch.state;
            pe.round = schedule.round_of(ch.state);
            pe.question = schedule.question_of(ch.state);
            push(ch.at, pe);
            if (c + 1 == changes.size()) break;
            const auto end = changes[c + 1].at;
            std::size_t want = 0;
            std::optional<int> round;
            if (ch.state.phase == core::phase_kind::intro) {
                want = p_.posts * 4 / 100;
                round = 0;
            } else if (ch.state.phase == core::phase_kind::round && pe.round) {
                round = *pe.round;
                want = p_.posts * 94 / 100 / rounds;
            } else if (ch.state.phase == core::phase_kind::wrapup) {
                want = p_.posts - posts_.size();  // the rest, so the total is exact
            }
            if (want > 0) segment(want, round, ch.at, end);
        }
        for (std::size_t i = 0; i < events_.size(); ++i) events_[i].seq = i + 1;
        chat.events = std::move(events_);
        chat.posts = posts_.size();
        return chat;
    }

  private:
    core::session_config config() {
        core::session_config c;
        c.id = p_.id;
        c.hashtag = p_.hashtag;
        c.title = "Hooks, feedback and reading for pleasure";
        c.description =
            "Ten questions on the everyday craft of teaching. Answer with A1, A2, ... and reply "
            "to each other; the transcript is kept for everyone who could not make it.";
        c.timezone = "Europe/London";
        c.timetable.start = p_.start;
        c.timetable.intro_minutes = 5;
        c.timetable.round_minutes = 8;
        c.timetable.wrapup_minutes = 5;
        for (const auto q : questions) c.timetable.questions.push_back({std::string(q), {}, {}});
        c.created_at = p_.start - std::chrono::hours(24 * 7);
        return c;
    }

    void make_people() {
        people_.push_back({"host", "Host (moderator)"});
        const std::size_t n =
            p_.participants != 0 ? p_.participants : std::max<std::size_t>(30, p_.posts / 25);
        for (std::size_t i = 0; i < n; ++i) {
            const auto first = first_names[r_.below(std::size(first_names))];
            const auto last = last_names[r_.below(std::size(last_names))];
            std::string handle;
            for (const char c : first) {
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) handle += c;
            }
            handle += "_t" + std::to_string(i);
            std::string name = std::string(first) + " " + std::string(last) +
                               std::string(name_extras[r_.below(std::size(name_extras))]);
            people_.push_back({std::move(handle), std::move(name)});
        }
        // A few people write most of the posts, as in real chats.
        active_ = zipf(people_.size() - 1, 0.8);
    }

    std::size_t someone() { return 1 + active_(r_); }

    template <class Body>
    void push(core::instant at, Body body) {
        core::event e;
        e.at = at;
        e.body = std::move(body);
        events_.push_back(std::move(e));
    }

    // Appends a post event (time set later) and remembers it.
    core::seq_t post(std::size_t author, std::string text, std::optional<int> round,
                     std::optional<core::seq_t> reply_to, std::vector<std::string> mentions = {}) {
        core::post_event pe;
        pe.author = people_[author].handle;
        pe.name = people_[author].name;
        pe.author_role = author == 0 ? core::role::moderator : core::role::participant;
        pe.text = std::move(text);
        pe.round = round;
        pe.reply_to = reply_to;
        pe.mentions = std::move(mentions);
        const core::seq_t seq = events_.size() + pending_.size() + 1;
        std::string cid = "c";  // appended: gcc 12 at -O3 reports a false -Wrestrict in `"c" + ...`
        cid += std::to_string(seq);
        pe.cid = std::move(cid);
        pending_.push_back(std::move(pe));
        posts_.push_back({seq, author, 0, false});
        return seq;
    }

    template <class Body>
    void other(Body body) {
        pending_.push_back(std::move(body));
    }

    // `want` posts of one part, with the likes, edits and moderation around them, spread
    // evenly over [from, to).
    void segment(std::size_t want, std::optional<int> round, core::instant from, core::instant to) {
        const std::size_t first = posts_.size();
        auto recent = [&](std::size_t window) {
            const std::size_t n = posts_.size() - first;
            return first + n - 1 - r_.below(std::min(n, window));
        };
        if (round && *round >= 1)
            other(core::announce_event{"host", people_[0].name,
                                       "Q" + std::to_string(*round) + " is up: take your time."});
        std::size_t made = 0;
        const bool deep_thread = round && (*round == 3 || *round == 7);
        while (made < want) {
            const std::size_t author = r_.chance(0.01) ? 0 : someone();
            const bool can_reply = posts_.size() > first;
            if (deep_thread && made == want / 2 && can_reply && want - made > 14) {
                made += thread(round, recent(20), 12);
                continue;
            }
            if (can_reply && r_.chance(0.3)) {
                // Replies go to recent posts; some of those are replies themselves.
                const auto& target = posts_[recent(40)];
                const auto& to = people_[target.author].handle;
                post(author, "@" + to + " " + text_.post(r_, 3, 25), round, target.seq, {to});
            } else if (round) {
                std::string text = "A";  // appended: a false -Wrestrict of gcc 12 at -O3
                text += std::to_string(*round);
                text += ' ';
                text += text_.post(r_);
                post(author, std::move(text), round, {});
            } else {
                post(author, text_.post(r_, 4, 20), round, {});
            }
            ++made;
            after_post(first);
        }
        // Lay the part's events out in time.
        const auto span = to - from;
        const auto n = static_cast<std::int64_t>(pending_.size());
        for (std::int64_t i = 0; i < n; ++i) {
            push(from + span * (i + 1) / (n + 1), std::move(pending_[static_cast<std::size_t>(i)]));
        }
        pending_.clear();
    }

    // A back-and-forth between two people, each replying to the one before: `length` posts.
    std::size_t thread(std::optional<int> round, std::size_t start, std::size_t length) {
        const std::size_t a = someone();
        std::size_t b = someone();
        if (b == a) b = a == 1 ? 2 : 1;
        core::seq_t target = posts_[start].seq;
        for (std::size_t i = 0; i < length; ++i) {
            const std::size_t who = i % 2 == 0 ? a : b;
            const auto& to = people_[i % 2 == 0 ? b : a].handle;
            target = post(who, "@" + to + " " + text_.post(r_, 3, 18), round, target, {to});
        }
        return length;
    }

    // Likes, edits, deletions and moderation that follow a post.
    void after_post(std::size_t first) {
        const std::size_t n = posts_.size() - first;
        auto pick = [&] { return first + n - 1 - r_.below(std::min<std::size_t>(n, 60)); };
        const double likes = r_.real() * 1.4;  // about 0.7 likes per post
        for (int i = 0; i < static_cast<int>(likes + 0.5); ++i) {
            auto& target = posts_[pick()];
            if (target.gone) continue;
            core::like_event l;
            l.target = target.seq;
            l.author = people_[someone()].handle;
            l.count = ++target.likes;
            other(std::move(l));
        }
        if (r_.chance(0.02)) {
            const auto& target = posts_.back();
            other(core::edit_event{target.seq,
                                   people_[target.author].handle,
                                   text_.post(r_, 6, 30) + " (edited: typo)",
                                   {}});
        }
        if (r_.chance(0.004)) {
            auto& target = posts_[pick()];
            if (!target.gone) {
                target.gone = true;
                other(core::delete_event{target.seq, people_[target.author].handle});
            }
        }
        if (r_.chance(0.003)) {
            const auto seq = posts_[pick()].seq;
            other(core::moderation_event{core::mod_action::hide, seq, {}});
            if (r_.chance(0.2)) other(core::moderation_event{core::mod_action::unhide, seq, {}});
        }
        if (r_.chance(0.0005)) {
            other(core::moderation_event{core::mod_action::pin, posts_[pick()].seq, {}});
        }
    }

    const chat_params& p_;
    const chat_text& text_;
    rng r_;
    std::vector<person> people_;
    zipf active_{1, 1.0};
    std::vector<post_info> posts_;
    std::vector<core::event> events_;
    std::vector<core::event_body> pending_;  // of the part being made
};

}  // namespace

live_chat make_live_chat(const chat_params& p, const chat_text& text) {
    return chat_builder(p, text).build();
}

}  // namespace hashchat::bench
