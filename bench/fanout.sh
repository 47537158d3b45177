# Fan-out scenarios of scripts/bench (sourced by it; uses its BIN, RESULTS, log, machine_json).
# The server is pinned to core 0 and the load generator (hashchat-load) to core 1; each step
# starts a fresh server, so its CPU time and peak RSS are its own. HASHCHAT_BENCH_BIN, if set, is
# the hashchat binary measured (default build/release/hashchat; bench/regress.sh sets it per step).

LOAD_SECONDS="${BENCH_SECONDS:-30}"            # measured window of each step (the issue: >= 30)
# Posts/s per step (x1,000 clients = deliveries/s). The peers collapse past 100-150; hashchat is
# swept past its sustained rate to twice it. FANOUT_RATES, if set, is used for every server.
PEER_RATES="${FANOUT_RATES:-50 100 150 200 400}"
HASHCHAT_RATES="${FANOUT_RATES:-50 100 200 400 600 800 1000 1500 2000 3000}"
HASHCHAT_NORMAL_RATES="${FANOUT_RATES:-100 400 1000}"
# Offered posts/s of the commit scenario; the result is the highest one the server keeps up with.
COMMIT_RATES="${COMMIT_RATES:-4000 8000 12000 16000 20000 22000 24000}"
FANOUT_SERVERS="${FANOUT_SERVERS:-chat-multi node-ws hashchat-normal hashchat}"

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts one server on core 0: sets SERVER_PID, SERVER_URL, SERVER_MODE, SERVER_DIR.
# hashchat-pg3: three nodes of a cluster on one database (bench/cluster.sh), all on core 0;
# SERVER_PIDS lists them and SERVER_URL their three URLs (hashchat-load spreads its clients).
start_server() {
    local kind="$1" port=""
    SERVER_DIR="$(mktemp -d)"
    SERVER_PIDS=()
    case "$kind" in
        hashchat-pg3)
            local db="bench_${RANDOM}${RANDOM}" n urls=()
            createdb --maintenance-db="$BENCH_PG_URL" "$db"
            for n in 1 2 3; do
                mkdir -p "$SERVER_DIR/n$n"
                taskset -c 0 "${HASHCHAT_BENCH_BIN:-$BIN/hashchat}" --bind 127.0.0.1 --port 0 \
                    --threads 1 --profile=loadtest --data-dir "$SERVER_DIR/n$n" \
                    --database="${BENCH_PG_URL/\/hashchat\?//$db?}" --node-id="n$n" \
                    --log-level warn >"$SERVER_DIR/n$n/out" 2>&1 &
                SERVER_PIDS+=($!)
            done
            SERVER_PID="${SERVER_PIDS[0]}"
            SERVER_MODE=hashchat
            for n in 1 2 3; do
                port=""
                for _ in $(seq 1 200); do
                    port="$(grep -oP 'listening on http://[^:]+:\K[0-9]+' "$SERVER_DIR/n$n/out" | head -1 || true)"
                    [ -n "$port" ] && break
                    kill -0 "${SERVER_PIDS[$((n - 1))]}" 2>/dev/null || break
                    sleep 0.05
                done
                [ -n "$port" ] || { echo "node n$n did not start" >&2; cat "$SERVER_DIR/n$n/out" >&2; return 1; }
                urls+=("ws://127.0.0.1:$port/ws")
            done
            SERVER_URL="$(IFS=,; echo "${urls[*]}")"
            return 0
            ;;
        hashchat-pg)
            # A fresh database of the benchmark's cluster (bench/cluster.sh) for each step.
            local db="bench_${RANDOM}${RANDOM}"
            createdb --maintenance-db="$BENCH_PG_URL" "$db"
            taskset -c 0 "${HASHCHAT_BENCH_BIN:-$BIN/hashchat}" --bind 127.0.0.1 --port 0 \
                --threads 1 --profile=loadtest --data-dir "$SERVER_DIR" \
                --database="${BENCH_PG_URL/\/hashchat\?//$db?}" \
                --log-level warn >"$SERVER_DIR/out" 2>&1 &
            SERVER_MODE=hashchat
            ;;
        hashchat | hashchat-normal)
            local sync=full
            [ "$kind" = hashchat-normal ] && sync=normal
            taskset -c 0 "${HASHCHAT_BENCH_BIN:-$BIN/hashchat}" --bind 127.0.0.1 --port 0 \
                --threads 1 --profile=loadtest --sync "$sync" --data-dir "$SERVER_DIR" \
                --log-level warn >"$SERVER_DIR/out" 2>&1 &
            SERVER_MODE=hashchat
            ;;
        node-ws)
            taskset -c 0 node bench/peers/ws-broadcast.mjs --host 127.0.0.1 --port 0 \
                >"$SERVER_DIR/out" 2>&1 &
            SERVER_MODE=raw
            ;;
        chat-multi)
            port="$(free_port)"
            taskset -c 0 build/peers/chat-multi 127.0.0.1 "$port" "$SERVER_DIR" 1 \
                >"$SERVER_DIR/out" 2>&1 &
            SERVER_MODE=raw
            ;;
    esac
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_DIR/out" >&2; return 1; }
        if [ -z "$port" ]; then
            port="$(grep -oP 'listening on http://[^:]+:\K[0-9]+' "$SERVER_DIR/out" | head -1 || true)"
        elif [ "$kind" = chat-multi ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            sleep 0.05
            continue
        fi
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "$kind did not start" >&2; return 1; }
    if [ "$SERVER_MODE" = hashchat ]; then SERVER_URL="ws://127.0.0.1:$port/ws"; else SERVER_URL="ws://127.0.0.1:$port/"; fi
}

# Stops it; prints {"cpu_s":..,"peak_rss_mb":..}.
stop_server() {
    local ticks cpu rss pid pids=("${SERVER_PIDS[@]}")
    [ "${#pids[@]}" -gt 0 ] || pids=("$SERVER_PID")
    ticks="$(getconf CLK_TCK)"
    # Several nodes: their CPU added up, the largest peak RSS.
    cpu="$(for pid in "${pids[@]}"; do cat "/proc/$pid/stat"; done |
        awk -v t="$ticks" '{s += $14 + $15} END {printf "%.2f", s / t}')"
    rss="$(for pid in "${pids[@]}"; do awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; done |
        awk '$1 > m {m = $1} END {printf "%.1f", m / 1024}')"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    SERVER_PIDS=()
    rm -rf "$SERVER_DIR"
    printf '{"cpu_s":%s,"peak_rss_mb":%s}\n' "$cpu" "$rss"
}

# Waits (at most BENCH_SETTLE_SECONDS, 30 s) until both cores are nearly idle: after a peer is
# stopped with millions of messages still queued, the kernel frees its sockets' buffers for seconds
# on core 0, and the next step would share the core with that (it made the step after the peers
# slow: p50 73 ms).
settle() {
    local busy
    for _ in $(seq 1 $((${BENCH_SETTLE_SECONDS:-30} * 2))); do
        busy="$(
            read -r _ a1 b1 c1 d1 e1 f1 g1 _ </proc/stat
            sleep 0.5
            read -r _ a2 b2 c2 d2 e2 f2 g2 _ </proc/stat
            echo $(((a2 + b2 + c2 + f2 + g2 - a1 - b1 - c1 - f1 - g1) * 100 /
                ((a2 + b2 + c2 + d2 + e2 + f2 + g2 - a1 - b1 - c1 - d1 - e1 - f1 - g1) | 1)))
        )"
        [ "$busy" -lt 5 ] && return
    done
    echo "settle: the machine stayed ${busy}% busy" >&2
}

# One step: SERVER RATE OUT.json [extra hashchat-load options].
load_step() {
    local kind="$1" rate="$2" out="$3"
    shift 3
    settle
    start_server "$kind"
    local tmp status=0
    tmp="$(mktemp)"
    (ulimit -n "$(ulimit -Hn)" && taskset -c 1 "$BIN/hashchat-load" --mode "$SERVER_MODE" --url "$SERVER_URL" \
        --rate "$rate" --warmup 3 --duration "$LOAD_SECONDS" --json "$tmp" "$@" >"$tmp.log" 2>&1) ||
        status=$?
    local server
    server="$(stop_server)"
    if [ ! -s "$tmp" ]; then
        echo "hashchat-load against $kind failed ($status):" >&2
        cat "$tmp.log" >&2
        rm -f "$tmp" "$tmp.log"
        return 1
    fi
    jq --arg kind "$kind" --argjson rate "$rate" --argjson s "$server" --argjson status "$status" \
        '{rate: $rate, exit: $status, deliveries_per_s, posts_acked_per_s, ack_latency,
          latency, lost, duplicated, out_of_order, passed, clients, connect,
          generator_cpu_percent: .cpu.percent_of_one_core, server: ($s + {name: $kind})}' \
        "$tmp" >"$out"
    jq -r '"\(.server.name) \(.rate) \(.deliveries_per_s | round) \(.latency.p50_ms) \(.latency.p99_ms) \(.latency.max_ms) \(.lost)/\(.duplicated)/\(.out_of_order) \(.server.cpu_s) \(.server.peak_rss_mb) \(.generator_cpu_percent)"' "$out" |
        awk '{printf "%-16s %5s %9s %9.1f %9.1f %9.1f %9s %8s %8s %6.0f%%\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}' >&2
    rm -f "$tmp" "$tmp.log"
}

# The steps (JSON files, one per step) and, per server, the sustained rate (highest deliveries/s
# with p99 <= 50 ms and nothing lost), the peak, and what it does at twice the sustained rate.
fanout_summary() {
    jq -s --argjson machine "$(machine_json)" --argjson seconds "$LOAD_SECONDS" '
        def summary: . as $steps
            | ([$steps[] | select((.failed | not) and .lost == 0 and .duplicated == 0 and .latency.p99_ms <= 50)]
               | max_by(.deliveries_per_s)) as $sustained
            | ([$steps[] | select(.failed | not)] | max_by(.deliveries_per_s)) as $peak
            | ([$steps[] | select((.failed | not) and $sustained != null and .rate >= 2 * $sustained.rate)]
               | min_by(.rate)) as $double
            | {sustained_deliveries_per_s: ($sustained.deliveries_per_s // 0),
               sustained_at_rate: ($sustained.rate // null),
               peak_deliveries_per_s: ($peak.deliveries_per_s // 0),
               at_double: (if $double then {rate: $double.rate,
                            deliveries_per_s: $double.deliveries_per_s,
                            of_peak: ($double.deliveries_per_s / $peak.deliveries_per_s),
                            p99_ms: $double.latency.p99_ms} else null end)};
        {scenario: "fanout", machine: $machine, seconds_per_step: $seconds,
         workload: "1,000 clients in one room, 10 senders; server on core 0 (taskset), hashchat-load on core 1",
         steps: .,
         servers: (group_by(.server.name) | map({key: .[0].server.name, value: summary}) | from_entries)}' \
        "$@"
}

fanout() {
    bench/peers/build-chat-multi >/dev/null
    local tmp
    tmp="$(mktemp -d)"
    log "fanout: 1,000 clients in one room, 10 senders, ${LOAD_SECONDS} s per step"
    printf '%-16s %5s %9s %9s %9s %9s %9s %8s %8s %7s\n' server posts/s deliv/s p50_ms p99_ms \
        max_ms lost/dup/ooo cpu_s rss_mb gen_cpu >&2
    local n=0
    for kind in $FANOUT_SERVERS; do
        local rates="$PEER_RATES"
        [ "$kind" = hashchat ] && rates="$HASHCHAT_RATES"
        [ "$kind" = hashchat-normal ] && rates="$HASHCHAT_NORMAL_RATES"
        for rate in $rates; do
            n=$((n + 1))
            load_step "$kind" "$rate" "$tmp/$n.json" --clients 1000 --sessions 1 --posters 10 ||
                jq -n --arg s "$kind" --argjson r "$rate" '{server: {name: $s}, rate: $r, failed: true}' >"$tmp/$n.json"
        done
    done
    mkdir -p "$RESULTS"
    fanout_summary "$tmp"/*.json >"$RESULTS/fanout.json"
    rm -rf "$tmp"
    log "fanout: summary (bench/results/fanout.json)"
    jq -r '.servers | to_entries[] | "  \(.key): sustained \(.value.sustained_deliveries_per_s | round)/s (p99 <= 50 ms), peak \(.value.peak_deliveries_per_s | round)/s, at 2x: \(if .value.at_double then "\(.value.at_double.deliveries_per_s | round)/s = \(.value.at_double.of_peak * 100 | round)% of peak, p99 \(.value.at_double.p99_ms) ms" else "not measured" end)"' \
        "$RESULTS/fanout.json"
}

# 15,000 idle connections over 150 sessions: server RSS per connection.
idle() {
    log "idle: 15,000 connections across 150 sessions"
    local tmp base
    tmp="$(mktemp -d)"
    start_server hashchat
    base="$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"
    (ulimit -n "$(ulimit -Hn)" && taskset -c 1 "$BIN/hashchat-load" --url "$SERVER_URL" --clients 15000 \
        --sessions 150 --posters 0 --rate 0 --warmup 0 --duration 20 --connect-timeout 120 \
        --json "$tmp/load.json" >"$tmp/load.log" 2>&1) &
    local load=$! settled=0
    # The RSS once everyone is connected: sampled while the clients sit idle.
    while kill -0 "$load" 2>/dev/null; do
        local r
        r="$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"
        [ "$r" -gt "$settled" ] && settled="$r"
        sleep 1
    done
    wait "$load" || true
    local server
    server="$(stop_server)"
    mkdir -p "$RESULTS"
    jq --argjson machine "$(machine_json)" --argjson base "$base" --argjson settled "$settled" \
        --argjson s "$server" \
        '{scenario: "idle", machine: $machine, clients: .clients, connect: .connect,
          server_rss_before_kb: $base, server_rss_connected_kb: $settled, server: $s,
          kib_per_connection: ((($settled - $base) / .clients.ready) * 100 | round / 100)}' \
        "$tmp/load.json" >"$RESULTS/idle.json"
    rm -rf "$tmp"
    jq -r '"  \(.clients.ready) connections: \(.kib_per_connection) KiB of server RSS each (target <= 16)"' "$RESULTS/idle.json"
}

# Acknowledged posts per second with synchronous=FULL: 500 posters over 250 sessions.
commit() {
    log "commit: 500 posting clients over 250 sessions, synchronous=FULL, ${LOAD_SECONDS} s per step"
    local tmp n=0
    tmp="$(mktemp -d)"
    printf '%-16s %5s %9s %9s %9s %9s %9s %8s %8s %7s\n' server posts/s deliv/s p50_ms p99_ms \
        max_ms lost/dup/ooo cpu_s rss_mb gen_cpu >&2
    for rate in $COMMIT_RATES; do
        n=$((n + 1))
        load_step hashchat "$rate" "$tmp/$n.json" --clients 500 --sessions 250 --posters 500 ||
            jq -n --argjson r "$rate" '{server: {name: "hashchat"}, rate: $r, failed: true}' >"$tmp/$n.json"
        jq -r '"  offered \(.rate)/s: acknowledged \(.posts_acked_per_s // 0 | round)/s, post->ack p50 \(.ack_latency.p50_ms) ms p99 \(.ack_latency.p99_ms) ms"' "$tmp/$n.json" >&2
    done
    mkdir -p "$RESULTS"
    # Kept up: acknowledged at least 98% of what was offered in the window, nothing lost.
    jq -s --argjson machine "$(machine_json)" --argjson seconds "$LOAD_SECONDS" '
        ([.[] | select((.failed | not) and .lost == 0 and .posts_acked_per_s >= 0.98 * .rate)]
         | max_by(.rate)) as $kept
        | {scenario: "commit", machine: $machine, seconds_per_step: $seconds,
           workload: "500 posting clients over 250 sessions (2 per session), synchronous=FULL; server on core 0, hashchat-load on core 1",
           sustained_acked_posts_per_s: ($kept.posts_acked_per_s // 0),
           sustained_at_rate: ($kept.rate // null),
           ack_latency_at_sustained: ($kept.ack_latency // null),
           steps: .}' "$tmp"/*.json >"$RESULTS/commit.json"
    rm -rf "$tmp"
    jq -r '"  sustained \(.sustained_acked_posts_per_s | round) acknowledged posts/s (target >= 20,000) at \(.sustained_at_rate) offered; post->ack p50 \(.ack_latency_at_sustained.p50_ms) ms, p99 \(.ack_latency_at_sustained.p99_ms) ms"' "$RESULTS/commit.json"
}
