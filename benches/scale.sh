#!/usr/bin/env bash
# threadgate scale harness: the gateway on large generated stores, one request at a time, then
# a short load, on loopback.
#
#   bash benches/scale.sh
#   SCALE_SIZES=1000000 SCALE_REPEAT=9 bash benches/scale.sh
#   BIN=/path/to/other/threadgate SCALE_DATA=/big/disk/scale-data bash benches/scale.sh
#
# Run by hand, never by CI. For each size N it makes (once) an embedded store of a direct room
# of N messages and a channel thread of 20,000 replies (`threadgate generate`, then
# `threadgate import`), starts a gateway on it, and measures:
#   - start-up: spawn until the admin /readyz answers 200 (polled every 10 ms), and VmRSS then;
#   - each request below, one at a time, SCALE_REPEAT times: median and max of curl's
#     time_total; every answer must be 200 with a page of the expected size;
#   - a short load (wrk -t1 -c256 -d5s) on dm.history at offset N/2, then VmRSS and VmHWM.
# It prints a markdown table per size and writes them, with the machine and the commit, to
# target/scale-report.md ($CARGO_TARGET_DIR when set). Everything it starts is stopped on exit,
# Ctrl-C included.
#
# Knobs (environment):
#   SCALE_SIZES="1000000 10000000"   messages of the direct room, one store per size
#   SCALE_DATA=target/scale-data     where the stores are kept (store-N.sqlite) and reused by
#                                    later runs: generating and importing 10M messages takes
#                                    minutes and about 2.5 GB for the seed (deleted after the
#                                    import) plus 2.5 GB for the store
#   BIN=target/release/threadgate    the binary; built with `cargo build --release` unless
#                                    given. A newer binary migrates a reused store to its schema
#                                    when it opens it (counted in its start-up time): keep a copy
#                                    of the stores if the older version matters
#   SCALE_REPEAT=5                   times each request is timed
#   SCALE_LOAD_SECONDS=5             duration of the wrk run
#   SCALE_LOAD_CONNECTIONS=256       wrk connections
#
# The data (`threadgate generate`, src/backend/embedded/generate.rs): users alice and bob
# (SelfCommunity integers 1 and 2) share the direct room `scale-dm` (integer 1) of N messages,
# 1 to 91 s apart from 2024-01-01T00:00:00Z on; the channel `scale-channel` holds the root
# `scale-thread-root` and its replies. Requests are made as alice. At about 45.5 s per message,
# 10M messages reach into the 2030s: dm.history's default upper bound is now (spec: `latest`
# defaults to now), so only the first request below keeps it, and the others send a `latest`
# after the last message so that their offsets reach the whole history.
set -euo pipefail

SCALE_SIZES=${SCALE_SIZES:-"1000000 10000000"}
SCALE_REPEAT=${SCALE_REPEAT:-5}
SCALE_LOAD_SECONDS=${SCALE_LOAD_SECONDS:-5}
SCALE_LOAD_CONNECTIONS=${SCALE_LOAD_CONNECTIONS:-256}
THREAD_REPLIES=20000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SCALE_DATA=${SCALE_DATA:-$TARGET_DIR/scale-data}
REPORT=$TARGET_DIR/scale-report.md

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf '   %s\n' "$*" >&2; }
die() { printf 'scale.sh: error: %s\n' "$*" >&2; exit 1; }

# Generator constants (src/backend/embedded/generate.rs).
ROOM=scale-dm
ROOM_INT=1
THREAD_ROOT=scale-thread-root
START_USEC=1704067200000000          # 2024-01-01T00:00:00Z, before the first message
ALICE_RC=(-H 'X-User-Id: u-scale-alice' -H 'X-Auth-Token: scale-rocketchat-alice')
ALICE_BEARER=(-H 'Authorization: Bearer scale-bearer-alice')
# dm.history `latest` after every generated message (the default is now).
LATEST_ALL=2100-01-01T00:00:00.000Z

# ---------------------------------------------------------------------------------------------
# 1. Knobs, tools and the binary.
# ---------------------------------------------------------------------------------------------
for n in $SCALE_SIZES; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "SCALE_SIZES: '$n' is not a positive integer"
    [ "$n" -ge 2000 ] || die "SCALE_SIZES: $n is too small (at least 2000, for offset 1000 pages)"
done
[[ $SCALE_REPEAT =~ ^[1-9][0-9]*$ ]] || die "SCALE_REPEAT must be a positive integer"

if ! command -v wrk >/dev/null 2>&1; then
    say "installing wrk with apt-get (missing)"
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends wrk
fi
for tool in curl python3 wrk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
TIME_V=()
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    TIME_V=(/usr/bin/time -v)
else
    note "/usr/bin/time -v not available: import wall time only, no max RSS"
fi

if [ -n "${BIN:-}" ]; then
    BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
    note "binary given: $BIN"
else
    say "building the release binary (cargo build --release)"
    (cd "$ROOT" && cargo build --release)
    BIN=$TARGET_DIR/release/threadgate
fi
[ -x "$BIN" ] || die "no binary at $BIN"
mkdir -p "$SCALE_DATA"
SCALE_DATA=$(cd "$SCALE_DATA" && pwd)

# ---------------------------------------------------------------------------------------------
# 2. Temporary directory, process bookkeeping and cleanup (EXIT, Ctrl-C, TERM).
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/threadgate-scale.XXXXXX")
PIDS=()          # every long-running process this script started
PARTIAL=()       # seed directories and store files being made: removed if the run stops

stop_pid() {     # TERM (its children first: /usr/bin/time does not pass TERM on), up to 10 s, then KILL
    local pid=$1 _
    kill -0 "$pid" 2>/dev/null || return 0
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid path
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for path in "${PARTIAL[@]}"; do rm -rf -- "$path"; done
    if [ "$rc" -ne 0 ] && [ -d "$TMP" ]; then
        for f in "$TMP"/*.log; do
            [ -s "$f" ] || continue
            printf -- '--- %s (last 15 lines)\n' "$(basename "$f")" >&2
            tail -n 15 "$f" >&2
        done
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_ports() {   # free_ports K: K distinct free loopback ports
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

now_us() {       # wall clock in microseconds
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$t"
}

rss_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }   # kB

iso_of_ms() {    # iso_of_ms MS: 2024-06-01T12:00:00.123Z
    printf '%s.%03dZ' "$(date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%S)" "$(($1 % 1000))"
}

# time_v_field FILE 'Maximum resident set size' -> the value after the last colon
time_v_field() { grep -F "$2" "$1" | tail -n1 | awk -F': ' '{ print $NF }'; }

forget_pid() {   # forget_pid PID: no longer stopped at exit
    local p kept=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

# run_timed NAME CMD...: runs CMD (output to $TMP/NAME.log), sets T_WALL (s) and T_RSS (kB, or
# empty without /usr/bin/time -v). In the background, waited for, so that Ctrl-C or TERM stop
# it at once.
run_timed() {
    local name=$1; shift
    local t0 t1 child
    t0=$(now_us)
    if [ ${#TIME_V[@]} -gt 0 ]; then
        "${TIME_V[@]}" -o "$TMP/$name.time" "$@" >"$TMP/$name.log" 2>&1 &
    else
        "$@" >"$TMP/$name.log" 2>&1 &
    fi
    child=$!
    PIDS+=("$child")
    wait "$child" || die "$name failed (log: $TMP/$name.log)"
    forget_pid "$child"
    t1=$(now_us)
    T_RSS=
    if [ ${#TIME_V[@]} -gt 0 ]; then
        T_RSS=$(time_v_field "$TMP/$name.time" 'Maximum resident set size')
    fi
    T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
}

RESULTS=$TMP/results.tsv   # size key label status answer bytes median_ms max_ms first_ms
FACTS=$TMP/facts.tsv       # size key value
: >"$RESULTS"
: >"$FACTS"
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$FACTS"; }

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 3. The store of one size: generated and imported once, then reused.
# ---------------------------------------------------------------------------------------------
make_store() {   # make_store N
    local n=$1 store=$SCALE_DATA/store-$1.sqlite
    local seed=$SCALE_DATA/seed-$1 partial=$SCALE_DATA/store-$1.sqlite.partial
    if [ -f "$store" ]; then
        note "reusing $store"
        fact "$n" store_reused yes
        if [ -f "$store.made" ]; then
            while IFS=$'\t' read -r key value; do fact "$n" "$key" "$value"; done <"$store.made"
        fi
        return 0
    fi
    say "N=$n: generating the seed ($seed)"
    PARTIAL+=("$seed" "$partial" "$partial-wal" "$partial-shm" "$partial-journal")
    rm -rf -- "$seed" "$partial" "$partial-wal" "$partial-shm" "$partial-journal"
    run_timed "generate-$n" "$BIN" generate --messages "$n" --thread-replies "$THREAD_REPLIES" "$seed"
    local gen_wall=$T_WALL seed_bytes
    seed_bytes=$(du -sb "$seed" | cut -f1)
    note "generated in $gen_wall s, $(awk -v b="$seed_bytes" 'BEGIN { printf "%.2f GB", b / 1e9 }')"
    sed 's/^/   | /' "$TMP/generate-$n.log" | head -n 12 >&2

    cat >"$TMP/import-$n.toml" <<EOF
[log]
level = "warn"

[backend]
kind = "embedded"
path = "$partial"
seed = ""
EOF
    say "N=$n: importing into $store (threadgate import)"
    run_timed "import-$n" "$BIN" import --config "$TMP/import-$n.toml" "$seed"
    local imp_wall=$T_WALL imp_rss=$T_RSS
    grep '^imported .* into ' "$TMP/import-$n.log" >&2 || die "import of $seed reported no result"
    rm -rf -- "$seed"
    # The import closed the database: its write-ahead log is folded in. Move what is left.
    local ext
    for ext in -wal -shm; do
        [ -e "$partial$ext" ] && mv -- "$partial$ext" "$store$ext"
    done
    mv -- "$partial" "$store"
    PARTIAL=()
    {
        printf 'generate_s\t%s\n' "$gen_wall"
        printf 'seed_bytes\t%s\n' "$seed_bytes"
        printf 'import_s\t%s\n' "$imp_wall"
        printf 'import_rss_kb\t%s\n' "${imp_rss:-}"
        printf 'made_on\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'made_by\t%s\n' "$("$BIN" --version 2>/dev/null || echo unknown)"
    } >"$store.made"
    while IFS=$'\t' read -r key value; do fact "$n" "$key" "$value"; done <"$store.made"
    fact "$n" store_reused no
    note "imported in $imp_wall s${imp_rss:+, max RSS $((imp_rss / 1024)) MB}"
}

# ---------------------------------------------------------------------------------------------
# 4. One size: start the gateway, time the requests, load it, stop it.
# ---------------------------------------------------------------------------------------------
# timed N KEY LABEL EXPECT URL [curl header args...]: SCALE_REPEAT runs; every answer must be 200
# and its page match EXPECT (a python expression on the body `b`, see `check` below).
timed() {
    local n=$1 key=$2 label=$3 expect=$4 url=$5; shift 5
    local _ out status secs times=() body=$TMP/body-$key.json
    for _ in $(seq "$SCALE_REPEAT"); do
        out=$(curl -s -o "$body" -w '%{http_code} %{time_total}' --max-time 120 "$@" "$url") \
            || die "$label: curl failed ($url)"
        read -r status secs <<<"$out"
        if [ "$status" != 200 ]; then
            printf '%s\n' "--- body of the $status answer (first 2000 bytes):" >&2
            head -c 2000 "$body" >&2
            printf '\n' >&2
            die "$label: HTTP $status, not 200 ($url)"
        fi
        times+=("$secs")
    done
    local answer
    answer=$(python3 - "$body" "$expect" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1], "rb"))
if isinstance(b, list):
    items, extra = len(b), ""
else:
    page = b.get("messages", b.get("results"))
    items = len(page)
    extra = ""
    if "total" in b:          # Rocket.Chat thread: all replies
        extra += f", total {b['total']}"
    if "results" in b:        # SelfCommunity: DRF count
        extra += f", count {b['count']}"
    if "unreadNotLoaded" in b:
        extra += f", unreadNotLoaded {b['unreadNotLoaded']}"
if not eval(sys.argv[2]):
    print(f"{items} items{extra}: expected {sys.argv[2]}")
    sys.exit(1)
print(f"{items}{extra}")
EOF
) || die "$label: unexpected page: $answer ($url)"
    local stats
    stats=$(printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
t = [float(x) * 1000 for x in sys.stdin.read().split()]
print(f"{statistics.median(t):.2f} {max(t):.2f} {t[0]:.2f}")')
    local median max first
    read -r median max first <<<"$stats"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$key" "$label" 200 "$answer" \
        "$(wc -c <"$body")" "$median" "$max" "$first" >>"$RESULTS"
    note "$(printf '%-58s %-26s median %9s ms  max %9s ms  first %9s ms' "$label" "$answer" "$median" "$max" "$first")"
}

measure() {      # measure N
    local n=$1 store=$SCALE_DATA/store-$1.sqlite
    local half=$(($1 / 2)) end=$(($1 - 10)) thread_off=$((THREAD_REPLIES - 1000))
    local port admin
    read -r port admin < <(free_ports 2)
    local gw=http://127.0.0.1:$port
    cat >"$TMP/gateway-$n.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
admin_listen = "127.0.0.1:$admin"
shutdown_grace_ms = 1000

[log]
level = "warn"

[backend]
kind = "embedded"
path = "$store"
seed = ""

# A new map for each run: its integers come from the store's pinned ones (users 1 and 2,
# rooms 1 and 2), and no seed directory is read.
[idmap]
path = "$TMP/idmap-$n.sqlite"
pins = ""
EOF
    say "N=$n: starting the gateway on $store (:$port, admin :$admin)"
    fact "$n" loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
    local t0 t1 pid code
    t0=$(now_us)
    "$BIN" serve --config "$TMP/gateway-$n.toml" >"$TMP/gateway-$n.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    while :; do
        kill -0 "$pid" 2>/dev/null || die "the gateway exited before it was ready (log: $TMP/gateway-$n.log)"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$admin/readyz" || true)
        [ "$code" = 200 ] && break
        [ $(($(now_us) - t0)) -lt 600000000 ] || die "the gateway was not ready after 600 s"
        sleep 0.01
    done
    t1=$(now_us)
    local startup_ms rss_start
    startup_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1000 }')
    rss_start=$(rss_of "$pid" VmRSS)
    fact "$n" startup_ms "$startup_ms"
    fact "$n" rss_start_kb "$rss_start"
    note "ready after $startup_ms ms, VmRSS $((rss_start / 1024)) MB"

    # The newest message's time (Quip's newest page has no upper bound), untimed; the middle of
    # the history is halfway from the generator's start to it.
    local newest_usec
    newest_usec=$(curl -sS --max-time 120 "${ALICE_BEARER[@]}" "$gw/1/messages/$ROOM?count=1" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["created_usec"])') \
        || die "cannot read the newest message of $ROOM through the Quip endpoint"
    local mid_usec=$(((START_USEC + newest_usec) / 2))
    local mid_iso
    mid_iso=$(iso_of_ms $((mid_usec / 1000)))
    fact "$n" newest "$(iso_of_ms $((newest_usec / 1000)))"
    fact "$n" middle "$mid_iso"
    note "newest message $(iso_of_ms $((newest_usec / 1000))); middle of the history $mid_iso"

    say "N=$n: requests, $SCALE_REPEAT times each, one at a time"
    local dm="$gw/api/v1/dm.history?roomId=$ROOM"
    timed "$n" rc_dm_now "RC dm.history newest 50 (latest = now, the default)" \
        "items == 50" "$dm" "${ALICE_RC[@]}"
    timed "$n" rc_dm "RC dm.history newest 50" \
        "items == 50" "$dm&latest=$LATEST_ALL" "${ALICE_RC[@]}"
    timed "$n" rc_dm_half "RC dm.history offset=$half" \
        "items == 50" "$dm&latest=$LATEST_ALL&offset=$half" "${ALICE_RC[@]}"
    timed "$n" rc_dm_end "RC dm.history offset=$end" \
        "items == 10" "$dm&latest=$LATEST_ALL&offset=$end" "${ALICE_RC[@]}"
    timed "$n" rc_dm_unreads "RC dm.history unreads=true, oldest = middle" \
        "items == 50 and b['unreadNotLoaded'] > $((n / 4))" \
        "$dm&latest=$LATEST_ALL&oldest=$mid_iso&unreads=true" "${ALICE_RC[@]}"
    timed "$n" rc_dm_latest_mid "RC dm.history latest = middle, offset=1000" \
        "items == 50" "$dm&latest=$mid_iso&offset=1000" "${ALICE_RC[@]}"
    local th="$gw/api/v1/chat.getThreadMessages?tmid=$THREAD_ROOT"
    timed "$n" rc_thread "RC chat.getThreadMessages (50 of $THREAD_REPLIES)" \
        "items == 50 and b['total'] == $THREAD_REPLIES" "$th" "${ALICE_RC[@]}"
    timed "$n" rc_thread_off "RC chat.getThreadMessages offset=$thread_off" \
        "items == 50 and b['total'] == $THREAD_REPLIES" "$th&offset=$thread_off" "${ALICE_RC[@]}"
    local pm="$gw/api/v2/pm/?thread=$ROOM_INT"
    timed "$n" sc_pm "SelfCommunity pm thread=$ROOM_INT (20, DRF count)" \
        "items == 20 and b['count'] == $n" "$pm" "${ALICE_BEARER[@]}"
    timed "$n" sc_pm_end "SelfCommunity pm thread=$ROOM_INT offset=$end" \
        "items == 10 and b['count'] == $n" "$pm&offset=$end" "${ALICE_BEARER[@]}"
    local quip="$gw/1/messages/$ROOM"
    timed "$n" quip "Quip messages newest 25" \
        "items == 25" "$quip" "${ALICE_BEARER[@]}"
    timed "$n" quip_mid "Quip messages max_created_usec = middle" \
        "items == 25 and all(m['created_usec'] <= $mid_usec for m in b)" \
        "$quip?max_created_usec=$mid_usec" "${ALICE_BEARER[@]}"

    # The load: wrk on dm.history at offset N/2. Answers slower than the gateway's own request
    # timeout come back 504 and count as non-2xx; wrk waits up to 30 s for any answer.
    say "N=$n: wrk -t1 -c$SCALE_LOAD_CONNECTIONS -d${SCALE_LOAD_SECONDS}s on dm.history offset=$half"
    local rss_before_load
    rss_before_load=$(rss_of "$pid" VmRSS)
    curl -s "http://127.0.0.1:$admin/metrics" | grep '^threadgate_requests_total' \
        >"$TMP/metrics-before-$n.txt" || true
    wrk -t1 -c"$SCALE_LOAD_CONNECTIONS" -d"${SCALE_LOAD_SECONDS}s" --timeout 30s --latency \
        -s "$TMP/done.lua" "${ALICE_RC[@]}" "$dm&latest=$LATEST_ALL&offset=$half" \
        >"$TMP/wrk-$n.log" 2>&1 || die "wrk failed (log: $TMP/wrk-$n.log)"
    local line
    line=$(grep '^WRKSTATS ' "$TMP/wrk-$n.log") || die "no WRKSTATS from wrk (log: $TMP/wrk-$n.log)"
    fact "$n" wrk "${line#WRKSTATS }"
    fact "$n" rss_before_load_kb "$rss_before_load"
    fact "$n" rss_after_load_kb "$(rss_of "$pid" VmRSS)"
    fact "$n" hwm_after_load_kb "$(rss_of "$pid" VmHWM)"
    # Requests still in flight when wrk stops are counted as 499 once the gateway sees the
    # closed connection: give it a moment before reading the counters.
    sleep 2
    curl -s "http://127.0.0.1:$admin/metrics" | grep '^threadgate_requests_total' \
        >"$TMP/metrics-after-$n.txt" || true
    local statuses
    statuses=$(python3 - "$TMP/metrics-before-$n.txt" "$TMP/metrics-after-$n.txt" <<'EOF'
import re, sys
def read(path):
    out = {}
    for line in open(path):
        m = re.match(r'threadgate_requests_total\{(.*)\} (\S+)', line)
        if m and 'route="dm.history"' in m.group(1):
            status = re.search(r'status="(\d+)"', m.group(1))
            if status:
                out[status.group(1)] = out.get(status.group(1), 0) + float(m.group(2))
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
print(", ".join(f"{s}: {b[s] - a.get(s, 0):.0f}" for s in sorted(b) if b[s] - a.get(s, 0) > 0) or "none counted")
EOF
)
    fact "$n" load_statuses "$statuses"
    note "$line"
    note "dm.history answers during the load, by status: $statuses"
    note "VmRSS $(($(rss_of "$pid" VmRSS) / 1024)) MB, VmHWM $(($(rss_of "$pid" VmHWM) / 1024)) MB"

    say "N=$n: stopping the gateway"
    stop_pid "$pid"
    forget_pid "$pid"
    local bytes=0 ext
    for ext in "" -wal -shm; do
        [ -e "$store$ext" ] && bytes=$((bytes + $(stat -c %s "$store$ext")))
    done
    fact "$n" store_bytes "$bytes"
    fact "$n" store_version "$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])  # read-write, so that closing removes the -wal and -shm files
print(c.execute("PRAGMA user_version").fetchone()[0])
c.close()' "$store" 2>/dev/null || echo unknown)"
}

cat >"$TMP/done.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKSTATS requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout, e.timeout))
end
EOF

for n in $SCALE_SIZES; do
    make_store "$n"
    measure "$n"
done

# ---------------------------------------------------------------------------------------------
# 5. The report: printed and written to target/scale-report.md.
# ---------------------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then COMMIT="$COMMIT (working tree modified)"; fi
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
mkdir -p "$(dirname "$REPORT")"
python3 - "$RESULTS" "$FACTS" >"$TMP/report.md" <<EOF
import csv, sys

results = list(csv.reader(open(sys.argv[1]), delimiter="\t"))
facts = {}
for size, key, value in csv.reader(open(sys.argv[2]), delimiter="\t"):
    facts.setdefault(size, {})[key] = value

def mb(kb):
    return f"{int(kb) / 1024:.1f} MB" if kb else "n/a"

print("# threadgate scale report")
print()
print("- date: $(date -u '+%Y-%m-%d %H:%M UTC')")
print("- commit of the harness: $COMMIT; binary: \`$BIN\` ($("$BIN" --version 2>/dev/null || echo unknown))")
print("- machine: $(nproc) CPUs ($CPU), $MEM RAM; load average before the run: $LOADAVG_BEFORE")
print("- each request is timed SCALE_REPEAT times in a row; \"first\" is the first of them (the one most likely to read pages from disk)")
print("- knobs: SCALE_REPEAT=$SCALE_REPEAT, wrk -t1 -c$SCALE_LOAD_CONNECTIONS -d${SCALE_LOAD_SECONDS}s (--timeout 30s); curl time_total, one request at a time, a new connection each")
print("- data: direct room \`$ROOM\` of N messages, thread \`$THREAD_ROOT\` of $THREAD_REPLIES replies; dm.history rows other than the first send latest=$LATEST_ALL (after every message)")
print("- the OS page cache is not dropped: a store just imported or read by an earlier run is served from memory")
for size in dict.fromkeys(r[0] for r in results):
    f = facts.get(size, {})
    print()
    print(f"## {int(size):,} messages (store-{size}.sqlite, schema version {f.get('store_version', '?')})")
    print()
    print("| what | answer | median ms | max ms | first ms |")
    print("|---|---|---|---|---|")
    for r in results:
        if r[0] == size:
            _, key, label, status, answer, nbytes, median, mx, first = r
            print(f"| {label} | {status}, {answer} ({int(nbytes):,} B) | {median} | {mx} | {first} |")
    w = dict(kv.split("=") for kv in f.get("wrk", "").split())
    print()
    print("| what | value |")
    print("|---|---|")
    print(f"| load average when the gateway started | {f.get('loadavg', '?')} |")
    print(f"| start-up: spawn until /readyz 200 | {f.get('startup_ms', '?')} ms |")
    print(f"| VmRSS right after start-up | {mb(f.get('rss_start_kb'))} |")
    if w:
        rps = int(w["requests"]) / (int(w["duration_us"]) / 1e6)
        print(f"| load: dm.history offset={int(size) // 2:,}, wrk -t1 -c$SCALE_LOAD_CONNECTIONS -d${SCALE_LOAD_SECONDS}s | {rps:,.1f} req/s, {int(w['requests']):,} answers, p50 {int(w['p50_us']) / 1000:.1f} ms, p99 {int(w['p99_us']) / 1000:.1f} ms, max {int(w['max_us']) / 1000:.1f} ms; non-2xx {w['non2xx']}, socket errors {w['socket_errors']} (timeouts {w['timeouts']}); gateway's dm.history answers by status (499: still in flight when wrk closed): {f.get('load_statuses', '?')} |")
    print(f"| VmRSS before the load / after / VmHWM after | {mb(f.get('rss_before_load_kb'))} / {mb(f.get('rss_after_load_kb'))} / {mb(f.get('hwm_after_load_kb'))} |")
    made = "" if f.get("store_reused") == "no" else f" (store reused; made {f.get('made_on', 'earlier')})"
    if "import_s" in f:
        print(f"| import (threadgate import){made} | {float(f['import_s']):,.1f} s wall, max RSS {mb(f.get('import_rss_kb'))} |")
        print(f"| generate (threadgate generate){made} | {float(f['generate_s']):,.1f} s wall, seed {int(f['seed_bytes']) / 1e9:.2f} GB (deleted after the import) |")
    else:
        print("| import | store reused, its import was not recorded |")
    print(f"| store on disk | {int(f.get('store_bytes', 0)) / 1e9:.2f} GB |")
    print(f"| newest message / middle of the history | {f.get('newest', '?')} / {f.get('middle', '?')} |")
EOF
cp "$TMP/report.md" "$REPORT"
say "report (also in $REPORT)"
cat "$REPORT"
