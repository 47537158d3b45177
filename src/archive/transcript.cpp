#include "archive/transcript.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/text.hpp"

namespace hashchat::archive {

namespace {

struct draft {
    post p;
    bool hidden = false;
    bool deleted = false;
};

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
}

// A bucket size that gives at most 48 bars over `span`.
std::int64_t bucket_for(std::int64_t span_seconds) {
    constexpr std::int64_t sizes[] = {60,   120,   300,   600,   900,   1800,  3600,
                                      7200, 10800, 21600, 43200, 86400, 604800};
    for (const auto b : sizes) {
        if ((span_seconds + b - 1) / b <= 48) return b;
    }
    return sizes[std::size(sizes) - 1];
}

std::int64_t seconds_of(core::instant t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<std::pair<std::size_t, std::size_t>> find_link(std::string_view text,
                                                             std::size_t from) {
    std::size_t i = from;
    while (i < text.size()) {
        const auto rest = text.substr(i);
        const bool at_link =
            (starts_with_ci(rest, "https://") || starts_with_ci(rest, "http://")) &&
            (i == 0 || std::isalnum(static_cast<unsigned char>(text[i - 1])) == 0);
        if (!at_link) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0 &&
               text[end] != '<' && text[end] != '>' && text[end] != '"') {
            ++end;
        }
        std::string_view url = text.substr(i, end - i);
        // Sentence punctuation after a link is not part of it; a closing bracket is, if the link
        // opened one.
        while (!url.empty()) {
            const char c = url.back();
            if (c == ')' && std::count(url.begin(), url.end(), '(') >=
                                std::count(url.begin(), url.end(), ')')) {
                break;
            }
            if (std::string_view(".,;:!?)]}'*").find(c) == std::string_view::npos) break;
            url.remove_suffix(1);
        }
        if (url.size() > url.find("://") + 3) return std::make_pair(i, url.size());
        i = end;
    }
    return std::nullopt;
}

std::vector<std::string> links_in(std::string_view text) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (auto l = find_link(text, from)) {
        out.emplace_back(text.substr(l->first, l->second));
        from = l->first + l->second;
    }
    return out;
}

const post* transcript::find(core::seq_t seq) const {
    auto it = std::lower_bound(posts.begin(), posts.end(), seq,
                               [](const post& p, core::seq_t s) { return p.seq < s; });
    return it != posts.end() && it->seq == seq ? &*it : nullptr;
}

namespace {

// The log as replayed so far: every post as last edited and what moderation did to it, and the
// questions by number, each as first asked.
struct replay {
    core::chat_marks marks;
    std::vector<draft> drafts;
    std::unordered_map<core::seq_t, std::size_t> draft_of;
    std::map<int, question> asked;

    draft* target(core::seq_t seq) {
        auto it = draft_of.find(seq);
        return it == draft_of.end() ? nullptr : &drafts[it->second];
    }
};

void add_post(replay& r, const core::event& e, const core::post_event& b) {
    draft d;
    d.p.seq = e.seq;
    d.p.at = e.at;
    d.p.author = b.author;
    d.p.name = b.name;
    d.p.author_role = b.author_role;
    d.p.text = b.text;
    d.p.round = b.round;
    d.p.reply_to = b.reply_to;
    r.draft_of[e.seq] = r.drafts.size();
    r.drafts.push_back(std::move(d));
}

void moderate(replay& r, const core::moderation_event& b) {
    auto* d = b.target ? r.target(*b.target) : nullptr;
    if (d == nullptr) return;
    if (b.action == core::mod_action::hide) d->hidden = true;
    if (b.action == core::mod_action::unhide) d->hidden = false;
    if (b.action == core::mod_action::pin) d->p.pinned = true;
    if (b.action == core::mod_action::unpin) d->p.pinned = false;
}

// When the chat began and ended, and the question a round or talk asks.
void change_phase(transcript& t, replay& r, const core::event& e, const core::phase_event& b) {
    const auto kind = b.state.phase;
    r.marks.note(b, e.at);
    t.state = r.marks.state();
    t.started_at = r.marks.started_at;
    t.ended_at = r.marks.ended_at;
    const bool asks = kind == core::phase_kind::round || kind == core::phase_kind::talk;
    if (asks && b.round && *b.round >= 1 && b.question && r.asked.count(*b.round) == 0) {
        question q;
        q.number = *b.round;
        q.text = *b.question;
        q.asked_at = e.at;
        r.asked.emplace(*b.round, std::move(q));
    }
}

void apply(transcript& t, replay& r, const core::event& e) {
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, core::post_event>) {
                add_post(r, e, b);
            } else if constexpr (std::is_same_v<T, core::edit_event>) {
                if (auto* d = r.target(b.target)) {
                    d->p.text = b.text;
                    d->p.edited = true;
                }
            } else if constexpr (std::is_same_v<T, core::delete_event>) {
                if (auto* d = r.target(b.target)) d->deleted = true;
            } else if constexpr (std::is_same_v<T, core::like_event>) {
                if (auto* d = r.target(b.target)) d->p.likes = std::max(0, b.count);
            } else if constexpr (std::is_same_v<T, core::announce_event>) {
                t.announcements.push_back({e.seq, e.at, b.name, b.text});
            } else if constexpr (std::is_same_v<T, core::moderation_event>) {
                moderate(r, b);
            } else if constexpr (std::is_same_v<T, core::phase_event>) {
                change_phase(t, r, e, b);
            }
        },
        e.body);
}

// Moves the posts neither hidden nor deleted into the transcript, with their links. Returns
// where each one went, by seq.
std::unordered_map<core::seq_t, std::size_t> keep_visible(transcript& t,
                                                          std::vector<draft>& drafts) {
    std::unordered_map<core::seq_t, std::size_t> index_of;
    for (auto& d : drafts) {
        if (d.hidden || d.deleted) continue;
        d.p.links = links_in(d.p.text);
        index_of[d.p.seq] = t.posts.size();
        t.posts.push_back(std::move(d.p));
    }
    return index_of;
}

question* question_of(transcript& t, std::optional<int> round) {
    if (!round || *round < 1) return nullptr;
    for (auto& q : t.questions) {
        if (q.number == *round) return &q;
    }
    return nullptr;
}

// Puts each reply under the post it replies to, or marks it as replying to a removed one.
void thread_replies(transcript& t, const std::unordered_map<core::seq_t, std::size_t>& index_of) {
    for (std::size_t i = 0; i < t.posts.size(); ++i) {
        auto& p = t.posts[i];
        if (!p.reply_to) continue;
        if (auto it = index_of.find(*p.reply_to); it != index_of.end()) {
            t.posts[it->second].replies.push_back(i);
            ++t.stats.replies;
            if (auto* q = question_of(t, p.round)) ++q->reply_count;
        } else {
            p.reply_to_removed = true;
        }
    }
}

// Files each top-level post under the roll call, its question or the other posts, and adds up
// each question's likes and links.
void file_posts(transcript& t) {
    auto& st = t.stats;
    for (std::size_t i = 0; i < t.posts.size(); ++i) {
        const auto& p = t.posts[i];
        auto* q = question_of(t, p.round);
        const bool top = !p.reply_to || p.reply_to_removed;
        if (top) {
            if (p.round && *p.round == 0) {
                t.roll_call.push_back(i);
            } else if (q) {
                q->answers.push_back(i);
                ++q->answer_count;
                ++st.answers;
            } else {
                t.other.push_back(i);
            }
        }
        if (p.round && *p.round == 0) ++st.introductions;
        if (q) {
            q->likes += p.likes;
            for (const auto& url : p.links) {
                const bool known = std::any_of(q->links.begin(), q->links.end(),
                                               [&](const link& l) { return l.url == url; });
                if (!known) q->links.push_back({url, p.seq, p.author});
            }
        }
    }
}

// Counts posts and likes, in all and per author (keyed by lower-case handle).
std::map<std::string, contributor> count_authors(transcript& t) {
    auto& st = t.stats;
    std::map<std::string, contributor> people;
    for (const auto& p : t.posts) {
        ++st.posts;
        st.likes += p.likes;
        auto& c = people[core::handle_key(p.author)];
        c.handle = p.author;
        c.name = p.name;
        ++c.posts;
        c.likes += p.likes;
    }
    return people;
}

std::vector<contributor> top_contributors(const std::map<std::string, contributor>& people) {
    std::vector<contributor> ranked;
    for (const auto& [key, c] : people) ranked.push_back(c);
    std::sort(ranked.begin(), ranked.end(), [](const contributor& a, const contributor& b) {
        if (a.posts != b.posts) return a.posts > b.posts;
        if (a.likes != b.likes) return a.likes > b.likes;
        return core::handle_key(a.handle) < core::handle_key(b.handle);
    });
    if (ranked.size() > 10) ranked.resize(10);
    return ranked;
}

std::vector<core::seq_t> most_liked(const std::vector<post>& posts) {
    std::vector<const post*> liked;
    for (const auto& p : posts) {
        if (p.likes > 0 && !(p.round && *p.round == 0)) liked.push_back(&p);
    }
    std::sort(liked.begin(), liked.end(), [](const post* a, const post* b) {
        return a->likes != b->likes ? a->likes > b->likes : a->seq < b->seq;
    });
    std::vector<core::seq_t> out;
    for (std::size_t i = 0; i < liked.size() && i < 5; ++i) out.push_back(liked[i]->seq);
    return out;
}

std::vector<std::string> first_timers(const std::map<std::string, contributor>& people,
                                      const std::set<std::string>& earlier_authors) {
    std::vector<std::string> first;
    for (const auto& [key, c] : people) {
        if (earlier_authors.count(key) == 0) first.push_back(c.handle);
    }
    return first;
}

// Posts per bucket from the start (or the first post) to the end (or the last post); none if
// the chat has not begun.
std::optional<activity> activity_over_time(const transcript& t) {
    std::optional<core::instant> from = t.started_at;
    std::optional<core::instant> to = t.ended_at;
    if (!t.posts.empty()) {
        if (!from || t.posts.front().at < *from) from = t.posts.front().at;
        if (!to || t.posts.back().at > *to) to = t.posts.back().at;
    }
    if (!from) return std::nullopt;
    if (!to || *to < *from) to = from;
    const auto begin = seconds_of(*from);
    const auto span = seconds_of(*to) - begin + 1;
    activity a;
    a.bucket_seconds = bucket_for(span);
    const auto aligned = begin - begin % a.bucket_seconds;
    a.start = core::instant{std::chrono::seconds(aligned)};
    const auto buckets = (seconds_of(*to) - aligned) / a.bucket_seconds + 1;
    a.posts.assign(static_cast<std::size_t>(buckets), 0);
    for (const auto& p : t.posts) {
        const auto i = std::clamp<std::int64_t>((seconds_of(p.at) - aligned) / a.bucket_seconds, 0,
                                                buckets - 1);
        ++a.posts[static_cast<std::size_t>(i)];
    }
    return a;
}

}  // namespace

transcript build(const core::session_config& config, const std::vector<core::event>& events,
                 const std::optional<std::set<std::string>>& earlier_authors) {
    transcript t;
    t.config = config;
    replay r;
    for (const auto& e : events) apply(t, r, e);
    for (auto& [n, q] : r.asked) t.questions.push_back(std::move(q));
    thread_replies(t, keep_visible(t, r.drafts));
    file_posts(t);
    auto& st = t.stats;
    const auto people = count_authors(t);
    st.participants = people.size();
    st.top_contributors = top_contributors(people);
    st.most_liked = most_liked(t.posts);
    if (earlier_authors) st.first_timers = first_timers(people, *earlier_authors);
    st.over_time = activity_over_time(t);
    return t;
}

}  // namespace hashchat::archive
