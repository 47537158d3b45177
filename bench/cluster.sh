# PostgreSQL scenarios of scripts/bench (sourced by it; uses fanout.sh's load_step): the commit
# sweep of `scripts/bench commit` (500 posters over 250 sessions, every ack after a durable
# commit) on one node with its store in PostgreSQL (a cluster made for the run, fsync on,
# synchronous_commit on), and the same on SQLite in the same run. PostgreSQL runs on either core
# (the server is on core 0, hashchat-load on core 1): its CPU is not in the server's figures.

CLUSTER_COMMIT_RATES="${CLUSTER_COMMIT_RATES:-2000 4000 8000 12000 16000}"

cluster() {
    local tmp pgdir n=0
    tmp="$(mktemp -d)"
    pgdir="$(mktemp -d /tmp/hashchat-bench-pg.XXXXXX)"
    log "cluster: a PostgreSQL cluster for the run (fsync on)"
    BENCH_PG_URL="$(PG_DURABLE=1 scripts/pg-cluster start "$pgdir")"
    # shellcheck disable=SC2064
    trap "scripts/pg-cluster stop '$pgdir'" EXIT
    log "cluster: commit, one node, 500 posters over 250 sessions, ${LOAD_SECONDS} s per step"
    printf '%-16s %5s %9s %9s %9s %9s %9s %8s %8s %7s\n' server posts/s deliv/s p50_ms p99_ms \
        max_ms lost/dup/ooo cpu_s rss_mb gen_cpu >&2
    for rate in $CLUSTER_COMMIT_RATES; do
        for kind in hashchat-pg hashchat; do
            n=$((n + 1))
            load_step "$kind" "$rate" "$tmp/$n.json" --clients 500 --sessions 250 --posters 500 ||
                jq -n --argjson r "$rate" --arg k "$kind" '{server: {name: $k}, rate: $r, failed: true}' >"$tmp/$n.json"
            jq -r '"  \(.server.name) offered \(.rate)/s: acknowledged \(.posts_acked_per_s // 0 | round)/s, post->ack p50 \(.ack_latency.p50_ms) ms p99 \(.ack_latency.p99_ms) ms"' "$tmp/$n.json" >&2
        done
    done
    scripts/pg-cluster stop "$pgdir"
    trap - EXIT
    mkdir -p "$RESULTS"
    jq -s --argjson machine "$(machine_json)" --argjson seconds "$LOAD_SECONDS" '
        def kept($k): [.[] | select(.server.name == $k and (.failed | not) and .lost == 0
                                    and .posts_acked_per_s >= 0.98 * .rate)] | max_by(.rate);
        {scenario: "cluster", machine: $machine, seconds_per_step: $seconds,
         workload: "500 posting clients over 250 sessions (2 per session), every ack after a durable commit; one node on core 0, hashchat-load on core 1, PostgreSQL 15 on either (fsync on, synchronous_commit on)",
         commit: {postgresql: {sustained_acked_posts_per_s: (kept("hashchat-pg").posts_acked_per_s // 0),
                               sustained_at_rate: (kept("hashchat-pg").rate // null),
                               ack_latency_at_sustained: (kept("hashchat-pg").ack_latency // null)},
                  sqlite: {sustained_acked_posts_per_s: (kept("hashchat").posts_acked_per_s // 0),
                           sustained_at_rate: (kept("hashchat").rate // null),
                           ack_latency_at_sustained: (kept("hashchat").ack_latency // null)}},
         steps: .}' "$tmp"/*.json >"$RESULTS/cluster.json"
    rm -rf "$tmp"
    jq -r '"  PostgreSQL: sustained \(.commit.postgresql.sustained_acked_posts_per_s | round) acknowledged posts/s (target >= 10,000) at \(.commit.postgresql.sustained_at_rate) offered",
           "  SQLite:     sustained \(.commit.sqlite.sustained_acked_posts_per_s | round) acknowledged posts/s at \(.commit.sqlite.sustained_at_rate) offered"' "$RESULTS/cluster.json"
}
