#!/usr/bin/env bash
# bench/watch.sh — watch mode (cfir watch, issue 17): event → first volatile byte, and memory.
#
#   sudo bench/watch.sh [--cfir PATH] [--only latency|rss] [--containers N] [--rss-containers N]
#
#   --cfir PATH          the cfir to measure: a single file, or a cfir.dll (run with dotnet).
#                        Default: artifacts/cfir-linux-x64/cfir, published first (scripts/publish.sh).
#   --only CASE          latency (N one-second containers) or rss (many triggers); default both
#   --containers N       latency case: containers started 0.3 s apart (default 50)
#   --rss-containers N   rss case: containers, each a start and a die trigger (default 500: 1,000 triggers)
#
# latency: `cfir watch --runtime docker -l <label> --trigger start,die` while N containers
#   `docker run -d --rm ... sh -c 'echo marker-I; sleep 1'` are started 0.3 s apart (each run in
#   the background, so the spacing is the script's, not the CLI's). Read from index.jsonl:
#   latencyMs (the runtime's event time to the first evidence of the container in its archive)
#   of the start triggers, p50/p90/p99/max; how many containers' markers are in their archives
#   (logs/: the API's stdout.log or the json-file log on disk; volatile/); every archive checked
#   with `cfir verify`.
# rss: the same watch under /usr/bin/time -v while N containers `docker run -d --rm ... true`
#   are started 4 at a time (2N triggers), its RSS sampled every 2 s (ps), peak RSS from GNU time.
#
# Needs the rig (scripts/rig/up.sh; this script does not start or stop it) and root. Writes
# bench/results/<UTC date>-<short commit>-watch.md; raw data in bench/work/watch-<UTC time>/.
# Never asserted anywhere: timings on the shared 2-core machine are read with its load.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
log() { printf '[watch-bench] %s\n' "$*" >&2; }
die() { printf '[watch-bench] ERROR: %s\n' "$*" >&2; exit 1; }

CFIR=""
ONLY="latency rss"
N=50
RSS_N=500
while [ $# -gt 0 ]; do
    case "$1" in
        --cfir) CFIR=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --containers) N=$2; shift 2 ;;
        --rss-containers) RSS_N=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -r /run/cfir-rig/env ] || die "the rig is not up (scripts/rig/up.sh)"
# shellcheck disable=SC1091
. /run/cfir-rig/env
DOCKER_HOST=${CFIR_TEST_DOCKER_HOST:-unix:///var/run/docker.sock}
IMAGE=${CFIR_TEST_IMAGE:-cfir-test/busybox:latest}
command -v /usr/bin/time >/dev/null || die "GNU time is missing (apt-get install time)"

if [ -z "$CFIR" ]; then
    log "publishing cfir (scripts/publish.sh)"
    CFIR="$REPO/$("$REPO/scripts/publish.sh" | tail -1)"
fi
case "$CFIR" in
    *.dll) RUN_CFIR=(dotnet "$CFIR") ;;
    *) RUN_CFIR=("$CFIR") ;;
esac
COMMIT=$(git -C "$REPO" rev-parse --short HEAD)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$BENCH_DIR/work/watch-$STAMP"
mkdir -p "$WORK"
REPORT="$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$COMMIT-watch.md"
[ -e "$REPORT" ] && REPORT="${REPORT%.md}-$STAMP.md"
TAG=$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')
LABEL="cfir.bench.watch=$TAG"
cleanup() { docker -H "$DOCKER_HOST" ps -aq --filter "label=cfir.bench.watch=$TAG" | xargs -r docker -H "$DOCKER_HOST" rm -f >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Starts the watch in the background into $1 with GNU time around it; waits until it watches.
start_watch() {
    local dir=$1
    /usr/bin/time -v -o "$dir.time" "${RUN_CFIR[@]}" watch -o "$dir" --runtime docker --docker-host "$DOCKER_HOST" \
        -l "$LABEL" --trigger start,die 2> "$dir.stderr" &
    WATCH_PID=$!
    for _ in $(seq 1 600); do
        grep -q "info: watching " "$dir.stderr" 2>/dev/null && return 0
        kill -0 "$WATCH_PID" 2>/dev/null || die "cfir watch exited: $(cat "$dir.stderr")"
        sleep 0.1
    done
    die "cfir watch did not start"
}

# Waits until the index has $2 trigger lines (at most $3 seconds), then SIGINT and wait.
stop_watch() {
    local dir=$1 want=$2 limit=$3 have=0
    for _ in $(seq 1 $((limit * 2))); do
        have=$(grep -c '"type":"trigger"' "$dir/index.jsonl" 2>/dev/null || true)
        [ "$have" -ge "$want" ] && break
        sleep 0.5
    done
    log "$have of $want trigger lines; SIGTERM"
    # GNU time's child is cfir (or dotnet): signal it, not time. SIGTERM: a background job of a
    # script starts with SIGINT ignored, and .NET leaves an ignored signal ignored.
    pkill -TERM -P "$WATCH_PID" || true
    wait "$WATCH_PID" || true
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "# cfir watch: latency and memory ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $COMMIT)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average at the start $LOAD_BEFORE."
    echo "cfir: \`${RUN_CFIR[*]}\`; Docker $(docker -H "$DOCKER_HOST" version --format '{{.Server.Version}}')."
    echo
} > "$REPORT"

if [[ " $ONLY " == *" latency "* ]]; then
    dir="$WORK/latency"
    log "latency: $N containers, 0.3 s apart"
    start_watch "$dir"
    runs=()
    for i in $(seq 0 $((N - 1))); do
        docker -H "$DOCKER_HOST" run -d --rm --network none --label "$LABEL" --name "w-bench-$TAG-$i" "$IMAGE" \
            sh -c "echo marker-$TAG-$i; sleep 1" > /dev/null 2>> "$WORK/docker-run.err" &
        runs+=($!)
        sleep 0.3
    done
    for p in "${runs[@]}"; do wait "$p" || true; done
    stop_watch "$dir" $((2 * N)) 240
    LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    caught=0 verified=0 failed_verify=0
    for i in $(seq 0 $((N - 1))); do
        found=0
        for a in "$dir"/*_w-bench-"$TAG"-"$i"_*; do
            [ -e "$a" ] || continue
            # tar fails when one of the patterns has no member (a die archive has no volatile/): not a miss.
            if { tar -xzOf "$a" --wildcards '*/logs/*' '*/volatile/*' 2>/dev/null || true; } | grep -aq "marker-$TAG-$i\b"; then found=1; fi
        done
        caught=$((caught + found))
    done
    for a in "$dir"/*.tar.gz; do
        if "${RUN_CFIR[@]}" verify "$a" > /dev/null 2>&1; then verified=$((verified + 1)); else failed_verify=$((failed_verify + 1)); fi
    done
    python3 - "$dir/index.jsonl" "$N" "$caught" "$verified" "$failed_verify" "$LOAD_AFTER" "$dir.time" >> "$REPORT" <<'PY'
import json, sys, re
index, n, caught, verified, failed, load, timefile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
lines = [json.loads(l) for l in open(index) if l.strip()]
trig = [l for l in lines if l["type"] == "trigger"]
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))] if v else float("nan")
def stats(v):
    return f"{len(v)} | {pct(v,50):.0f} | {pct(v,90):.0f} | {pct(v,99):.0f} | {max(v):.0f}" if v else "0 | - | - | - | -"
start = [t["latencyMs"] for t in trig if t["trigger"] == "start" and "latencyMs" in t]
die = [t["latencyMs"] for t in trig if t["trigger"] == "die" and "latencyMs" in t]
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timefile).read())
print(f"## latency: {n} containers of one second, started 0.3 s apart\n")
print(f"Load average after: {load}. Triggers indexed: {len(trig)} (start {sum(t['trigger']=='start' for t in trig)}, die {sum(t['trigger']=='die' for t in trig)}); "
      f"collected {sum(t['outcome']=='collected' for t in trig)}, dropped {sum(t['outcome']=='dropped' for t in trig)}, "
      f"complete {sum(t.get('status')=='complete' for t in trig)}.\n")
print("| Event → first evidence in its archive (ms) | n | p50 | p90 | p99 | max |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
print(f"| start triggers (first volatile byte) | {stats(start)} |")
print(f"| die triggers (first log or layer byte) | {stats(die)} |")
print()
print(f"Targets: p50 < 100 ms: **{'met' if start and pct(start,50) < 100 else 'MISSED'}** ({pct(start,50):.0f} ms); "
      f"p99 < 500 ms: **{'met' if start and pct(start,99) < 500 else 'MISSED'}** ({pct(start,99):.0f} ms).\n")
print(f"Markers caught (in logs/ or volatile/ of the container's archives): **{caught} of {n}** (test: at least {n - 2}). "
      f"Archives verified by `cfir verify`: {verified} OK, {failed} failed. Peak RSS of the watch: {int(rss.group(1))/1024:.0f} MiB.\n" if rss else "")
PY
fi

if [[ " $ONLY " == *" rss "* ]]; then
    dir="$WORK/rss"
    log "rss: $RSS_N containers, $((2 * RSS_N)) triggers"
    start_watch "$dir"
    ( while kill -0 "$WATCH_PID" 2>/dev/null; do
          child=$(pgrep -P "$WATCH_PID" | head -1)
          [ -n "$child" ] && echo "$(date +%s) $(ps -o rss= -p "$child" | tr -d ' ')"
          sleep 2
      done ) > "$dir.rss" &
    SAMPLER=$!
    seq 0 $((RSS_N - 1)) | xargs -P 4 -I{} docker -H "$DOCKER_HOST" run -d --rm --network none --label "$LABEL" --name "w-bench-$TAG-r{}" "$IMAGE" true \
        > /dev/null 2>> "$WORK/docker-run.err" || true
    stop_watch "$dir" $((2 * RSS_N)) 900
    kill "$SAMPLER" 2>/dev/null || true
    python3 - "$dir/index.jsonl" "$RSS_N" "$dir.time" "$dir.rss" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$REPORT" <<'PY'
import json, sys, re
index, n, timefile, rssfile, load = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
trig = [l for l in (json.loads(x) for x in open(index) if x.strip()) if l["type"] == "trigger"]
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timefile).read()).group(1)) / 1024
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", open(timefile).read()).group(1)
samples = [int(l.split()[1]) / 1024 for l in open(rssfile) if len(l.split()) == 2 and l.split()[1].isdigit()]
print(f"## memory: {2 * n} triggers ({n} containers started and dead, 4 started at a time)\n")
print(f"Load average after: {load}. Triggers indexed: {len(trig)}: collected {sum(t['outcome']=='collected' for t in trig)}, "
      f"dropped {sum(t['outcome']=='dropped' for t in trig)} (queue full), failed {sum(t['outcome']=='failed' for t in trig)}. Wall {wall}.\n")
if samples:
    q = len(samples) // 4 or 1
    print(f"| Peak RSS (GNU time) | RSS, first quarter of the run (median) | last quarter (median) | samples |")
    print("| ---: | ---: | ---: | ---: |")
    med = lambda v: sorted(v)[len(v) // 2]
    print(f"| {peak:.0f} MiB | {med(samples[:q]):.0f} MiB | {med(samples[-q:]):.0f} MiB | {len(samples)} every 2 s |\n")
PY
fi
cat "$REPORT"
log "report: $REPORT; raw data: $WORK"
