#include <algorithm>
#include <cctype>
#include <string_view>

#include "store/index_ops.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"

namespace hashchat::store {

namespace {

using pg::params;

std::string bool_array(const std::vector<core::search_term>& terms,
                       bool core::search_term::*field) {
    std::string out = "{";
    for (const auto& t : terms) {
        if (out.size() > 1) out += ',';
        out += t.*field ? 't' : 'f';
    }
    return out + "}";
}

// No letter nor digit: what ts_headline leaves off the ends of a headline.
bool no_words(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x80 || std::isalnum(u) != 0;
    });
}

// ts_headline marks the matched words with \x02 and \x03, as FTS5's snippet(); where it cut
// the text, \x04 marks the cut, as FTS5 does. Punctuation it left off the ends is put back.
std::string snippet(const std::string& text, std::string headline) {
    std::string plain;
    for (const char c : headline) {
        if (c != '\x02' && c != '\x03') plain += c;
    }
    if (plain.empty()) return headline;
    const auto at = text.find(plain);
    if (at == std::string::npos) return headline;
    const std::string_view before = std::string_view(text).substr(0, at);
    const std::string_view after = std::string_view(text).substr(at + plain.size());
    if (no_words(before)) {
        headline.insert(0, before);
    } else {
        headline.insert(0, 1, '\x04');
    }
    if (no_words(after)) {
        headline += after;
    } else {
        headline += '\x04';
    }
    return headline;
}

}  // namespace

search_result pg_store::search(const search_request& req) {
    if (std::none_of(req.terms.begin(), req.terms.end(),
                     [](const core::search_term& t) { return !t.exclude; })) {
        throw search_error("nothing to search for");
    }
    std::vector<std::string> words;
    for (const auto& t : req.terms) words.push_back(t.text);
    params terms;
    terms.add(pg::text_array(words))
        .add(bool_array(req.terms, &core::search_term::prefix))
        .add(bool_array(req.terms, &core::search_term::exclude))
        .add(bool_array(req.terms, &core::search_term::or_before));
    const std::optional<std::string> tag =
        req.hashtag ? std::optional(hashtag_scope(*req.hashtag)) : std::nullopt;
    const std::optional<std::string> series =
        req.series ? std::optional(series_scope(*req.series)) : std::nullopt;
    // $1 the tsquery, $2 and $3 the scope words (or NULL), $4 the window.
    auto filters = [&](const std::string& query) {
        params p;
        p.add(query);
        for (const auto& scope : {&tag, &series}) {
            if (*scope) {
                p.add(**scope);
            } else {
                p.null();
            }
        }
        p.add(static_cast<std::int64_t>(ranked_window));
        return p;
    };

    // The newest `ranked_window` matches, ranked by cover density normalised by length (a
    // shorter post with the same words ranks first), then the page shown with its snippets:
    // ts_headline reads only the rows of the page. The tsquery is a parameter, not computed in
    // the statement, so that the planner sees it: for a common word it walks the posts from the
    // newest and stops at the window (14 ms for stud* in a million posts), for a rare one it
    // reads the GIN index; not knowing the words, it read the index for all (p95 600 ms).
    static constexpr const char* sql = R"sql(
WITH win AS (
    SELECT p.id, ts_rank_cd(p.tsv, $1::tsquery, 1) AS score
    FROM posts p
    WHERE p.tsv @@ $1::tsquery AND NOT p.hidden AND NOT p.deleted
      AND ($2::text IS NULL OR p.scope_words @> ARRAY[$2::text])
      AND ($3::text IS NULL OR p.scope_words @> ARRAY[$3::text])
    ORDER BY p.id DESC LIMIT $4),
ranked AS (
    SELECT id, score, count(*) OVER () AS matched FROM win
    ORDER BY score DESC, id DESC OFFSET $5 LIMIT $6)
SELECT p.session_id, p.seq, p.at, p.author, p.name, p.round, r.matched, p.text,
       replace(ts_headline('hashchat', hc_words(p.text), $1::tsquery,
           'StartSel=' || chr(2) || ',StopSel=' || chr(3) ||
           ',MaxWords=24,MinWords=8,ShortWord=0,MaxFragments=1,FragmentDelimiter=' || chr(4)),
           chr(1), '<')
FROM ranked r JOIN posts p USING (id)
ORDER BY r.score DESC, r.id DESC
)sql";
    std::lock_guard lock(read_mutex_);
    search_result out;
    try {
        const std::string query = reader_
                                      ->read(
                                          "SELECT hc_query($1::text[], $2::boolean[], "
                                          "$3::boolean[], $4::boolean[])::text",
                                          terms)
                                      .text(0, 0);
        if (query.empty()) return out;  // no word PostgreSQL indexes: nothing matches
        static constexpr const char* count_sql =
            "SELECT count(*) FROM (SELECT 1 FROM posts p "
            "WHERE p.tsv @@ $1::tsquery AND NOT p.hidden AND NOT p.deleted "
            "AND ($2::text IS NULL OR p.scope_words @> ARRAY[$2::text]) "
            "AND ($3::text IS NULL OR p.scope_words @> ARRAY[$3::text]) LIMIT $4) w";
        auto run = filters(query);
        run.add(static_cast<std::int64_t>(req.offset)).add(static_cast<std::int64_t>(req.limit));
        const auto r = reader_->read(sql, run);
        for (int i = 0; i < r.rows(); ++i) {
            search_hit h;
            h.session_id = r.text(i, 0);
            h.seq = static_cast<core::seq_t>(r.integer(i, 1));
            h.at_ms = r.integer(i, 2);
            h.author = r.text(i, 3);
            h.name = r.text(i, 4);
            if (!r.null(i, 5)) h.round = static_cast<int>(r.integer(i, 5));
            out.matched = static_cast<std::size_t>(r.integer(i, 6));
            h.snippet = snippet(r.text(i, 7), r.text(i, 8));
            out.hits.push_back(std::move(h));
        }
        if (out.hits.empty() && req.offset > 0) {
            // The page is past the matches: count them all the same.
            out.matched =
                static_cast<std::size_t>(reader_->read(count_sql, filters(query)).integer(0, 0));
        }
    } catch (const pg::error& e) {
        if (e.connection_lost()) throw;
        throw search_error(e.what());
    }
    out.more = out.matched == ranked_window;
    return out;
}

std::map<std::string, post_counts> pg_store::counts(const std::vector<std::string>& session_ids) {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read(
        "SELECT session_id, count(*), count(DISTINCT author_key) FROM posts "
        "WHERE NOT hidden AND NOT deleted AND session_id = ANY($1::text[]) GROUP BY session_id",
        params().add(pg::text_array(session_ids)));
    std::map<std::string, post_counts> out;
    for (int i = 0; i < r.rows(); ++i) {
        out[r.text(i, 0)] = {static_cast<std::size_t>(r.integer(i, 1)),
                             static_cast<std::size_t>(r.integer(i, 2))};
    }
    return out;
}

std::set<std::string> pg_store::authors(const std::vector<std::string>& session_ids) {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read(
        "SELECT DISTINCT author_key FROM posts WHERE NOT hidden AND NOT deleted "
        "AND session_id = ANY($1::text[])",
        params().add(pg::text_array(session_ids)));
    std::set<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.insert(r.text(i, 0));
    return out;
}

std::map<std::string, core::seq_t> pg_store::index_watermarks() {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read("SELECT session_id, seq FROM indexed");
    std::map<std::string, core::seq_t> out;
    for (int i = 0; i < r.rows(); ++i) {
        out[r.text(i, 0)] = static_cast<core::seq_t>(r.integer(i, 1));
    }
    return out;
}

core::seq_t pg_store::index_watermark(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    const auto r =
        reader_->read("SELECT seq FROM indexed WHERE session_id = $1", params().add(session_id));
    return r.rows() == 0 ? 0 : static_cast<core::seq_t>(r.integer(0, 0));
}

}  // namespace hashchat::store
