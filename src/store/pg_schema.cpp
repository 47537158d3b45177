#include <string>

#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"

namespace hashchat::store {

namespace {

// The tables mirror the SQLite store's (store_schema.cpp), with PostgreSQL's types. The search
// index is the `posts` table itself: a generated tsvector column over the text (words folded to
// lower case without accents, not stemmed, no stop words: as FTS5's unicode61 tokenizer) and a
// partial GIN index over the posts neither hidden nor deleted, so an edit, hide or delete is one
// UPDATE and the index follows.
constexpr const char* schema_1 = R"sql(
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'hashchat') THEN
        CREATE TEXT SEARCH CONFIGURATION hashchat (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION hashchat
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
            WITH unaccent, simple;
    END IF;
END $$;
CREATE TABLE sessions(
    id text PRIMARY KEY,
    config text NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE moderator_keys(
    session_id text NOT NULL REFERENCES sessions(id),
    key_hash text NOT NULL,
    key_id text NOT NULL DEFAULT 'k1',
    label text NOT NULL DEFAULT 'owner',
    owner boolean NOT NULL DEFAULT true,
    revoked boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL DEFAULT 0,
    ord bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY(session_id, key_hash)
);
CREATE TABLE members(
    session_id text NOT NULL REFERENCES sessions(id),
    handle_key text NOT NULL,
    handle text NOT NULL,
    name text NOT NULL,
    token_hash text NOT NULL,
    PRIMARY KEY(session_id, handle_key)
);
CREATE TABLE events(
    session_id text NOT NULL REFERENCES sessions(id),
    seq bigint NOT NULL,
    at bigint NOT NULL,
    kind text NOT NULL,
    cid text NOT NULL DEFAULT '',
    body text NOT NULL,
    PRIMARY KEY(session_id, seq)
);
CREATE INDEX events_phases ON events(session_id, seq) WHERE kind = 'phase';
CREATE TABLE mod_events(
    session_id text NOT NULL REFERENCES sessions(id),
    n bigint NOT NULL,
    at bigint NOT NULL,
    kind text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY(session_id, n)
);
CREATE TABLE series(
    id text PRIMARY KEY,
    config text NOT NULL,
    key_hash text NOT NULL,
    created_at bigint NOT NULL
);
-- PostgreSQL's parser reads "<b>" as an HTML tag and leaves it (and a tag's words) out; in a
-- post it is text, as for FTS5: '<' is read as a space (chr(1)) and put back in snippets.
CREATE FUNCTION hc_words(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN replace(t, '<', chr(1));
CREATE TABLE posts(
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text NOT NULL,
    seq bigint NOT NULL,
    at bigint NOT NULL,
    author text NOT NULL,
    author_key text NOT NULL,
    name text NOT NULL,
    round integer,
    reply_to bigint,
    text text NOT NULL,
    scope text NOT NULL DEFAULT '',
    hidden boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('hashchat'::regconfig, hc_words(text))) STORED,
    scope_words text[] GENERATED ALWAYS AS (string_to_array(scope, ' ')) STORED,
    UNIQUE(session_id, seq)
);
CREATE INDEX posts_tsv ON posts USING gin(tsv) WHERE NOT hidden AND NOT deleted;
CREATE INDEX posts_scope ON posts USING gin(scope_words) WHERE NOT hidden AND NOT deleted;
CREATE TABLE indexed(
    session_id text PRIMARY KEY,
    seq bigint NOT NULL
);
-- A search's terms (archive::parse_query) as a tsquery, built with PostgreSQL's own parser so
-- that no input is a syntax error: each term a phrase (words in a row), a prefix on its last
-- word if asked, joined by AND or OR, then AND NOT each excluded term. FTS5's precedence (NOT,
-- then AND, then OR) is kept by rendering the parts to text and reading the whole back once.
CREATE FUNCTION hc_query(t text[], prefix boolean[], excl boolean[], or_before boolean[])
RETURNS tsquery LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    pos text := '';
    neg text := '';
    q text;
BEGIN
    FOR i IN 1 .. coalesce(array_length(t, 1), 0) LOOP
        q := phraseto_tsquery('hashchat', hc_words(t[i]))::text;
        CONTINUE WHEN q = '';
        IF prefix[i] THEN q := q || ':*'; END IF;
        IF excl[i] THEN
            neg := neg || ' & !(' || q || ')';
        ELSIF pos = '' THEN
            pos := '(' || q || ')';
        ELSE
            pos := pos || CASE WHEN or_before[i] THEN ' | (' ELSE ' & (' END || q || ')';
        END IF;
    END LOOP;
    IF pos = '' THEN RETURN ''::tsquery; END IF;
    RETURN ('(' || pos || ')' || neg)::tsquery;
END $$;
CREATE TABLE schema_version(v integer NOT NULL);
INSERT INTO schema_version VALUES (1);
)sql";

// Version 2: several nodes. Which node writes which session (a lease with an epoch that grows
// at each take-over), the fence every appending transaction passes, and the test clock that all
// nodes share.
constexpr const char* schema_2 = R"sql(
CREATE TABLE leases(
    session_id text PRIMARY KEY,
    node text NOT NULL,
    epoch bigint NOT NULL,
    expires_at timestamptz NOT NULL
);
-- Fails (SQLSTATE HC001, the lost sessions in DETAIL) unless every session's lease still has
-- the writer's epoch. FOR SHARE conflicts with a take-over's UPDATE: a take-over waits for an
-- append already fenced, and an append after a take-over finds the new epoch and fails.
CREATE FUNCTION hc_fence(s text[], e bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    lost text;
BEGIN
    PERFORM 1 FROM leases l JOIN unnest(s, e) AS m(sid, ep)
        ON l.session_id = m.sid AND l.epoch = m.ep
        ORDER BY l.session_id FOR SHARE OF l;
    SELECT string_agg(m.sid, ' ' ORDER BY m.sid) INTO lost FROM unnest(s, e) AS m(sid, ep)
        WHERE NOT EXISTS (SELECT 1 FROM leases l WHERE l.session_id = m.sid AND l.epoch = m.ep);
    IF lost IS NOT NULL THEN
        RAISE EXCEPTION 'lease lost' USING ERRCODE = 'HC001', DETAIL = lost;
    END IF;
END $$;
-- Under --test-clock the nodes share one test clock: a row here (absent: the real clock). Leases
-- never use it.
CREATE TABLE test_clock(
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    now_ms bigint NOT NULL
);
UPDATE schema_version SET v = 2;
)sql";
// Version 3: commands handed over between nodes (a node whose client sent it to the session's
// writer) and the writer's replies (back to that node), each a row until taken.
constexpr const char* schema_3 = R"sql(
CREATE TABLE handoffs(
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text NOT NULL,
    node text NOT NULL,
    conn bigint NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX handoffs_session ON handoffs(session_id, id);
CREATE TABLE replies(
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node text NOT NULL,
    session_id text NOT NULL,
    conn bigint NOT NULL,
    after_seq bigint NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX replies_node ON replies(node, id);
UPDATE schema_version SET v = 3;
)sql";
// Version 4: the ids of sessions and series, claimed once across every node before they are
// made (store::claim_id); the nodes alive (each renews its row) and how many members each has
// in each session, for presence across nodes.
constexpr const char* schema_4 = R"sql(
CREATE TABLE id_claims(
    kind text NOT NULL,
    id text NOT NULL,
    PRIMARY KEY(kind, id)
);
CREATE TABLE nodes(
    node text PRIMARY KEY,
    seen_at timestamptz NOT NULL
);
CREATE TABLE presence(
    session_id text NOT NULL,
    node text NOT NULL,
    online integer NOT NULL,
    PRIMARY KEY(session_id, node)
);
UPDATE schema_version SET v = 4;
)sql";

}  // namespace

void pg_store::migrate() {
    // Several nodes may start at once: one makes the schema, the others wait and find it made.
    writer_->exec("SELECT pg_advisory_lock(7215001)");
    try {
        const auto exists = writer_->query("SELECT to_regclass('schema_version') IS NOT NULL");
        const bool made = exists.boolean(0, 0);
        int version = 0;
        if (made)
            version =
                static_cast<int>(writer_->query("SELECT v FROM schema_version").integer(0, 0));
        if (version < 4) {
            writer_->exec("BEGIN");
            if (version < 1) writer_->exec(schema_1);
            if (version < 2) writer_->exec(schema_2);
            if (version < 3) writer_->exec(schema_3);
            writer_->exec(schema_4);
            writer_->exec("COMMIT");
        } else if (version > 4) {
            throw store_error("the PostgreSQL database was made by a newer hashchat (schema " +
                              std::to_string(version) + ")");
        }
    } catch (...) {
        try {
            writer_->exec("ROLLBACK");
        } catch (...) {
        }
        writer_->exec("SELECT pg_advisory_unlock(7215001)");
        throw;
    }
    writer_->exec("SELECT pg_advisory_unlock(7215001)");
}

}  // namespace hashchat::store
