# PostgreSQL scenarios of scripts/bench (sourced by it; uses fanout.sh's load_step): the commit
# sweep of `scripts/bench commit` (500 posters over 250 sessions, every ack after a durable
# commit) on one node with its store in PostgreSQL (a cluster made for the run, fsync on,
# synchronous_commit on), on three nodes of a cluster with the clients spread over them
# round-robin (two thirds of the commands handed over to another node), and on SQLite, in the
# same run; then the fan-out of one chat (1,000 clients, 10 posters, CLUSTER_FANOUT_RATE posts/s)
# on the same three. The servers are on core 0 (the three nodes share it), hashchat-load on core
# 1; PostgreSQL runs on either core: its CPU is not in the servers' figures.

CLUSTER_COMMIT_RATES="${CLUSTER_COMMIT_RATES:-2000 4000 8000 12000 16000}"
CLUSTER_FANOUT_RATE="${CLUSTER_FANOUT_RATE:-100}"

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
        for kind in hashchat-pg hashchat-pg3 hashchat; do
            n=$((n + 1))
            load_step "$kind" "$rate" "$tmp/$n.json" --clients 500 --sessions 250 --posters 500 ||
                jq -n --argjson r "$rate" --arg k "$kind" '{server: {name: $k}, rate: $r, failed: true}' >"$tmp/$n.json"
            jq -r '"  \(.server.name) offered \(.rate)/s: acknowledged \(.posts_acked_per_s // 0 | round)/s, post->ack p50 \(.ack_latency.p50_ms) ms p99 \(.ack_latency.p99_ms) ms"' "$tmp/$n.json" >&2
        done
    done
    log "cluster: fan-out, 1,000 clients in one chat, 10 posters, ${CLUSTER_FANOUT_RATE} posts/s"
    for kind in hashchat-pg3 hashchat-pg hashchat; do
        n=$((n + 1))
        load_step "$kind" "$CLUSTER_FANOUT_RATE" "$tmp/fanout-$n.json" --clients 1000 --sessions 1 --posters 10 ||
            jq -n --argjson r "$CLUSTER_FANOUT_RATE" --arg k "$kind" '{server: {name: $k}, rate: $r, failed: true}' >"$tmp/fanout-$n.json"
    done
    scripts/pg-cluster stop "$pgdir"
    trap - EXIT
    mkdir -p "$RESULTS"
    jq -s '.' "$tmp"/fanout-*.json >"$tmp/fanout.all"
    rm -f "$tmp"/fanout-*.json
    jq -s --argjson machine "$(machine_json)" --argjson seconds "$LOAD_SECONDS" \
        --slurpfile fanout "$tmp/fanout.all" '
        def kept($k): [.[] | select(.server.name == $k and (.failed | not) and .lost == 0
                                    and .posts_acked_per_s >= 0.98 * .rate)] | max_by(.rate);
        def sustained($k): {sustained_acked_posts_per_s: (kept($k).posts_acked_per_s // 0),
                            sustained_at_rate: (kept($k).rate // null),
                            ack_latency_at_sustained: (kept($k).ack_latency // null)};
        {scenario: "cluster", machine: $machine, seconds_per_step: $seconds,
         workload: "500 posting clients over 250 sessions (2 per session), every ack after a durable commit; one node on core 0, hashchat-load on core 1, PostgreSQL 15 on either (fsync on, synchronous_commit on)",
         commit: {postgresql: sustained("hashchat-pg"), postgresql_three_nodes: sustained("hashchat-pg3"),
                  sqlite: sustained("hashchat")},
         fanout: [$fanout[0][] | {server: .server.name, rate, deliveries_per_s, latency, lost, duplicated,
                                  out_of_order, failed}],
         steps: .}' "$tmp"/*.json >"$RESULTS/cluster.json"
    rm -rf "$tmp"
    jq -r '"  PostgreSQL: sustained \(.commit.postgresql.sustained_acked_posts_per_s | round) acknowledged posts/s (target >= 10,000) at \(.commit.postgresql.sustained_at_rate) offered",
           "  PostgreSQL, three nodes (hand-over): sustained \(.commit.postgresql_three_nodes.sustained_acked_posts_per_s | round) acknowledged posts/s at \(.commit.postgresql_three_nodes.sustained_at_rate) offered",
           (.fanout[] | "  fan-out \(.server), \(.rate) posts/s to 1,000: p99 \(.latency.p99_ms // "-") ms, lost \(.lost // "-")"),
           "  SQLite:     sustained \(.commit.sqlite.sustained_acked_posts_per_s | round) acknowledged posts/s at \(.commit.sqlite.sustained_at_rate) offered"' "$RESULTS/cluster.json"
}
