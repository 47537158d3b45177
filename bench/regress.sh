# No regression (issue 14, point 10), sourced by scripts/bench (uses its BIN, BENCH_DATA, RESULTS,
# log, machine_json, build_prev and bench/fanout.sh's load_step): this tree's server against the
# one before issue 14 on a reduced fan-out sweep and commit sweep, at the same steps, the binaries
# alternating at every step (prev, now, prev, now, prev, now: the runs of a step are never more
# than a few minutes apart), the median of the runs per binary and the difference in %.
#
#   REGRESS_FANOUT_RATES  fan-out steps, posts/s to 1,000 clients (default 100 1000 1500)
#   REGRESS_COMMIT_RATES  commit steps, offered posts/s (default 8000 16000 24000)
#   REGRESS_RUNS          runs of each binary at each step (default 3)
#   BENCH_SECONDS         measured window of each step (default 20 here)
#   REGRESS_PREV_BIN      the binary before (default: 561a3b8 built by build_prev)
#   REGRESS_NOW_BIN       the binary now (default build/release/hashchat)

REGRESS_FANOUT_RATES="${REGRESS_FANOUT_RATES:-100 1000 1500}"
REGRESS_COMMIT_RATES="${REGRESS_COMMIT_RATES:-8000 16000 24000}"
REGRESS_RUNS="${REGRESS_RUNS:-3}"
REGRESS_BOUND_PCT=5

# The build type and its flags, from the CMakeCache.txt beside a binary.
regress_flags() {
    local cache type
    cache="$(dirname "$1")/CMakeCache.txt"
    [ -f "$cache" ] || { echo "unknown"; return; }
    type="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache")"
    echo "$type: $(sed -n "s/^CMAKE_CXX_FLAGS_${type^^}:STRING=//p" "$cache")"
}

regress_binary_json() {
    jq -n --arg name "$1" --arg path "$2" --arg flags "$(regress_flags "$2")" \
        --arg built "$(date -u -r "$2" +%Y-%m-%dT%H:%M:%SZ)" \
        --arg sha256 "$(sha256sum "$2" | cut -c1-16)" \
        '{label: $name, path: $path, flags: $flags, built: $built, sha256: $sha256}'
}

# One step of a sweep, with the workload of `scripts/bench fanout` or `scripts/bench commit`.
regress_step() {
    local sweep="$1" rate="$2" out="$3"
    case "$sweep" in
        fanout) load_step hashchat "$rate" "$out" --clients 1000 --sessions 1 --posters 10 ;;
        commit) load_step hashchat "$rate" "$out" --clients 500 --sessions 250 --posters 500 ;;
    esac
}

# The medians per binary and step, the differences, and which exceed the bound.
regress_summary() {
    jq -s --argjson bound "$REGRESS_BOUND_PCT" '
        def metrics: ["throughput_per_s", "p50_ms", "p99_ms", "server_cpu_s"];
        def lower_is_better($m): $m != "throughput_per_s";
        def fanout: .sweep == "fanout";
        def value($m):
            if .failed then null
            elif $m == "throughput_per_s" then (if fanout then .deliveries_per_s else .posts_acked_per_s end)
            elif $m == "p50_ms" then (if fanout then .latency.p50_ms else .ack_latency.p50_ms end)
            elif $m == "p99_ms" then (if fanout then .latency.p99_ms else .ack_latency.p99_ms end)
            else .server.cpu_s end;
        def median: map(select(. != null)) | sort
            | if length == 0 then null
              elif length % 2 == 1 then .[length / 2 | floor]
              else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        def side: sort_by(.run) | . as $runs
            | {runs: [$runs[] | {run, failed: (.failed // false), exit, lost, duplicated,
                                 out_of_order, peak_rss_mb: .server.peak_rss_mb,
                                 generator_cpu_percent}
                              + ([metrics[] as $m | {key: $m, value: value($m)}] | from_entries)],
               median: ([metrics[] as $m | {key: $m, value: ([$runs[] | value($m)] | median)}]
                        | from_entries)};
        def pct($a; $b): if $a == null or $b == null or $a == 0 then null
                         else ($b - $a) / $a * 1000 | round / 10 end;
        [group_by([.sweep, .rate])[]
         | (map(select(.binary == "prev")) | side) as $prev
         | (map(select(.binary == "now")) | side) as $now
         | {sweep: .[0].sweep, rate: .[0].rate, prev: $prev, now: $now,
            diff_pct: ([metrics[] as $m | {key: $m, value: pct($prev.median[$m]; $now.median[$m])}]
                       | from_entries)}
         | .worse_than_bound = [.diff_pct as $d | metrics[] as $m | select($d[$m] != null)
                                | select(if lower_is_better($m) then $d[$m] > $bound
                                         else $d[$m] < -$bound end) | $m]]
        | sort_by(.sweep != "fanout", .rate)
        | {bound_pct: $bound, steps: .,
           worse_than_bound: [.[] | {sweep, rate} as $s | .diff_pct as $d
                              | .worse_than_bound[] | $s + {metric: ., diff_pct: $d[.]}]}' "$@"
}

regress() {
    local prev_commit="${STARTUP_PREV:-561a3b8}" prev_bin="${REGRESS_PREV_BIN:-}"
    local now_bin="${REGRESS_NOW_BIN:-$BIN/hashchat}" load_bin="$BIN/hashchat-load"
    if [ -z "$prev_bin" ]; then
        build_prev "$prev_commit"
        prev_bin="$BENCH_DATA/prev-startup/build/hashchat"
    fi
    local prev_label="${REGRESS_PREV_LABEL:-$(git rev-parse --short "$prev_commit")}"
    local now_label="${REGRESS_NOW_LABEL:-$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes')}"
    # The binaries are copied first: a rebuild of build/release during the run changes nothing.
    local tmp
    mkdir -p "$BENCH_DATA"
    tmp="$(mktemp -d "$BENCH_DATA/regress.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    mkdir -p "$tmp/bin" "$tmp/steps"
    cp "$prev_bin" "$tmp/bin/hashchat-prev"
    cp "$now_bin" "$tmp/bin/hashchat-now"
    cp "$load_bin" "$tmp/bin/hashchat-load"
    local binaries
    binaries="$(jq -n --argjson prev "$(regress_binary_json "$prev_label" "$prev_bin")" \
        --argjson now "$(regress_binary_json "$now_label" "$now_bin")" '{prev: $prev, now: $now}')"
    # load_step and start_server read these (bash scopes locals dynamically).
    local BIN="$tmp/bin" LOAD_SECONDS="${BENCH_SECONDS:-20}" HASHCHAT_BENCH_BIN

    local steps=() rate
    for rate in $REGRESS_FANOUT_RATES; do steps+=("fanout $rate"); done
    for rate in $REGRESS_COMMIT_RATES; do steps+=("commit $rate"); done
    local total=$((REGRESS_RUNS * ${#steps[@]} * 2)) n=0 started
    started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    log "regress: $prev_label against $now_label, ${#steps[@]} steps x $REGRESS_RUNS runs x 2" \
        "binaries, ${LOAD_SECONDS} s each (about $((total * (LOAD_SECONDS + 8) / 60)) min)"
    printf '%-16s %5s %9s %9s %9s %9s %9s %8s %8s %7s\n' server posts/s deliv/s p50_ms p99_ms \
        max_ms lost/dup/ooo cpu_s rss_mb gen_cpu >&2
    local run step sweep which out
    for run in $(seq 1 "$REGRESS_RUNS"); do
        for step in "${steps[@]}"; do
            read -r sweep rate <<<"$step"
            for which in prev now; do
                n=$((n + 1))
                log "regress $n/$total: run $run, $sweep at $rate posts/s, $which"
                HASHCHAT_BENCH_BIN="$tmp/bin/hashchat-$which"
                out="$tmp/steps/$n.json"
                regress_step "$sweep" "$rate" "$out" ||
                    jq -n --argjson r "$rate" '{rate: $r, failed: true}' >"$out"
                jq --arg sweep "$sweep" --arg which "$which" --argjson run "$run" \
                    '. + {sweep: $sweep, binary: $which, run: $run}' "$out" >"$out.tmp"
                mv "$out.tmp" "$out"
            done
        done
    done

    mkdir -p "$RESULTS"
    regress_summary "$tmp"/steps/*.json |
        jq --argjson machine "$(machine_json)" --argjson binaries "$binaries" \
            --argjson seconds "$LOAD_SECONDS" --argjson runs "$REGRESS_RUNS" \
            --arg started "$started" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
            {scenario: "regress", machine: $machine, binaries: $binaries, started: $started,
             finished: $finished, seconds_per_step: $seconds, runs_per_binary: $runs,
             order: "at every step of every run: prev, then now; the runs one after the other",
             workloads: {
                fanout: "scripts/bench fanout, hashchat sync full: 1,000 clients in one room, 10 senders; throughput = deliveries/s, p50/p99 = post -> delivery",
                commit: "scripts/bench commit: 500 posting clients over 250 sessions, synchronous=FULL; throughput = acknowledged posts/s, p50/p99 = post -> ack"},
             metrics: "median of the runs per binary; diff_pct = (now - prev) / prev; worse: throughput lower, or latency or server CPU (user + system over the step) higher"}
            + .' >"$RESULTS/regress.json"
    rm -rf "$tmp"
    trap - EXIT
    log "regress: medians of $REGRESS_RUNS runs, $prev_label -> $now_label (bench/results/regress.json)"
    jq -r '
        def pct: if . == null then "n/a" elif . > 0 then "+\(.)%" else "\(.)%" end;
        def num: if . == null then "n/a" elif . >= 100 then (round | tostring) else (. * 10 | round / 10 | tostring) end;
        .steps[] | .prev.median as $p | .now.median as $n | .diff_pct as $d
        | "  \(.sweep) \(.rate)/s: \(if .sweep == "fanout" then "deliveries" else "acked" end) \($p.throughput_per_s | num) -> \($n.throughput_per_s | num)/s (\($d.throughput_per_s | pct)), p50 \($p.p50_ms | num) -> \($n.p50_ms | num) ms (\($d.p50_ms | pct)), p99 \($p.p99_ms | num) -> \($n.p99_ms | num) ms (\($d.p99_ms | pct)), server CPU \($p.server_cpu_s | num) -> \($n.server_cpu_s | num) s (\($d.server_cpu_s | pct))"
    ' "$RESULTS/regress.json"
    jq -r 'if (.worse_than_bound | length) == 0 then "  every median within \(.bound_pct)%"
           else "  worse by more than \(.bound_pct)%: " + ([.worse_than_bound[] | "\(.sweep) \(.rate) \(.metric) \(.diff_pct)%"] | join(", ")) end' \
        "$RESULTS/regress.json"
}
