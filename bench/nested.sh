#!/usr/bin/env bash
# bench/nested.sh — what nesting costs: N containers inside a kind-like node against N on the host.
#
#   bench/nested.sh [--runs N] [--no-publish] [--keep] [CONTAINERS]
#
# CONTAINERS (default 20) busybox containers run by the containerd inside a kind-like node (the
# rig's cfir-test/kind-node image, started as the tests start it) and CONTAINERS more run by the
# host's containerd, each set under its own label. Measured side by side, interleaved, in one run:
#   host      cfir collect -l cfir.bench=host<N>     (the default collection: volatile, metadata,
#                                                   logs, changed filesystem; tar.gz)
#   nested    cfir collect -l cfir.bench=nested<N>   (the same, of the node's containers: found by
#                                                   looking inside the node, pids translated
#                                                   through its pid namespace, files read beneath
#                                                   its root)
# Both runs discover the same way (--runtime auto, descending into the node): only what is
# selected differs. Per run: wall time and peak RSS (/usr/bin/time -v), and from the archive's
# manifest the volatile pass: from the acquisition's start to the last volatile entry, and
# from the first volatile entry to the last. Medians of --runs (default 3) and nested/host
# ratios go to stdout and bench/results/<UTC date>-<short commit>-nested.md. The target: nesting
# costs under 1.5x.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="${CFIR_BENCH_WORK:-$BENCH_DIR/work}/nested"
RUNS=3
PUBLISH=1
KEEP=0
NODE=cfir-bench-node
HOST_NS=cfir-bench-nested-host
NODE_NS=bench
log() { printf '[bench-nested] %s\n' "$*" >&2; }
die() { printf '[bench-nested] ERROR: %s\n' "$*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --no-publish) PUBLISH=0; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
N=${1:-20}
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 3 ] || die "--runs needs a whole number >= 3"
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || die "CONTAINERS must be a whole number >= 1"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
command -v python3 >/dev/null || die "python3 not found"

cd "$REPO"
[ -f /run/cfir-rig/env ] || bash scripts/rig/up.sh >&2
# shellcheck disable=SC1091
. /run/cfir-rig/env
if [ "$PUBLISH" = 1 ]; then
    CFIR=$(bash scripts/publish.sh)
else
    CFIR=$(ls artifacts/cfir-linux-*/cfir 2>/dev/null | head -1)
fi
[ -x "$CFIR" ] || die "no published cfir (run scripts/publish.sh)"
mkdir -p "$WORK/bin"
cp "$CFIR" "$WORK/bin/cfir"   # a colleague's publish cannot replace it mid-run
CFIR="$WORK/bin/cfir"
IMAGE=$CFIR_TEST_CONTAINERD_IMAGE

cleanup() {
    [ "$KEEP" = 1 ] && return 0
    log "removing the node and the host containers"
    docker rm -f -v "$NODE" >/dev/null 2>&1 || true
    for id in $(ctr -n "$HOST_NS" containers ls -q 2>/dev/null); do
        ctr -n "$HOST_NS" tasks kill -s KILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr -n "$HOST_NS" containers ls -q 2>/dev/null); do
        ctr -n "$HOST_NS" tasks rm -f "$id" >/dev/null 2>&1 || true
        ctr -n "$HOST_NS" containers rm "$id" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

log "starting the kind-like node $NODE"
docker rm -f -v "$NODE" >/dev/null 2>&1 || true
# As the tests start a node (tests/ContainerForensics.TestSupport/Nested/NestedNode.cs); the
# label lets scripts/rig/down.sh remove it if this script is killed.
docker run -d --name "$NODE" --hostname "$NODE" --label org.cfir.rig.nested=node --network none \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/containerd --tmpfs /run --tmpfs /tmp \
    "$CFIR_TEST_KIND_NODE_IMAGE" >/dev/null
for _ in $(seq 1 300); do docker exec "$NODE" ctr version >/dev/null 2>&1 && break; sleep 0.2; done
docker exec "$NODE" ctr version >/dev/null 2>&1 || die "the node's containerd did not answer: $(docker logs --tail 20 "$NODE" 2>&1)"
NODE_PID=$(docker inspect -f '{{.State.Pid}}' "$NODE")
# cgroup v1: the nested containers go below the node's own cgroup, so removing the node removes them.
CGROUP=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$NODE_PID/cgroup")

log "running $N containers in the node and $N on the host"
docker save "$CFIR_TEST_IMAGE" | docker exec -i "$NODE" ctr -n "$NODE_NS" images import - >/dev/null
docker save "$CFIR_TEST_IMAGE" | ctr -n "$HOST_NS" images import - >/dev/null
for i in $(seq 1 "$N"); do
    docker exec "$NODE" ctr -n "$NODE_NS" run -d --label "cfir.bench=nested$N" \
        ${CGROUP:+--cgroup "$CGROUP/$NODE_NS/nb-$i"} "$IMAGE" "nb-$i" \
        sh -c "echo nested-$i; echo planted-$i > /planted; exec sleep 1000000" >/dev/null
    ctr -n "$HOST_NS" run -d --label "cfir.bench=host$N" "$IMAGE" "hb-$i" \
        sh -c "echo host-$i; echo planted-$i > /planted; exec sleep 1000000" >/dev/null
done
sleep 1

RUN_DIR="$WORK/runs/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
for r in $(seq 1 "$RUNS"); do
    for side in host nested; do
        out="$RUN_DIR/$side-$r.tar.gz"
        log "run $r: $side"
        /usr/bin/time -v -o "$RUN_DIR/$side-$r.time" "$CFIR" collect -l "cfir.bench=$side$N" -o "$out" -q \
            2> "$RUN_DIR/$side-$r.stderr" || [ $? -eq 1 ] || die "cfir failed: $(tail -5 "$RUN_DIR/$side-$r.stderr")"
        "$CFIR" verify "$out" > "$RUN_DIR/$side-$r.verify" 2>&1 || die "verify failed for $out"
    done
done

COMMIT=$(git -C "$REPO" rev-parse --short HEAD)
RESULT="$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$COMMIT-nested.md"
python3 - "$RUN_DIR" "$RUNS" "$N" "$COMMIT" > "$RESULT" <<'EOF'
import json, re, statistics, sys, tarfile
from datetime import datetime, timezone

run_dir, runs, n, commit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def seconds(stamp):
    # UTC with nine fractional digits: the fraction is read as a decimal, not through datetime.
    whole, _, frac = stamp.rstrip("Z").partition(".")
    t = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return t + (float("0." + frac) if frac else 0.0)

def measure(side, r):
    time_text = open(f"{run_dir}/{side}-{r}.time").read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", time_text)
    h, m, s = wall.groups()
    wall_s = (int(h) if h else 0) * 3600 + int(m) * 60 + float(s)
    rss_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_text).group(1)) / 1024
    with tarfile.open(f"{run_dir}/{side}-{r}.tar.gz") as t:
        record = json.load(t.extractfile("acquisition/acquisition.json"))
        lines = [json.loads(l) for l in t.extractfile("manifest/manifest.jsonl")]
    started = seconds(record["startedAt"])
    volatile = [seconds(e["collectedAt"]) for e in lines if "/volatile/" in e["path"] and "collectedAt" in e]
    containers = {e["path"].split("/volatile/")[0] for e in lines if "/volatile/" in e["path"]}
    nested = sum(1 for c in containers if "/nested/" in c)
    return {
        "wall": wall_s, "rss": rss_mib,
        "to_volatile_end": max(volatile) - started,
        "volatile_span": max(volatile) - min(volatile),
        "containers": len(containers), "nested": nested, "entries": len(lines),
    }

data = {side: [measure(side, r) for r in range(1, runs + 1)] for side in ("host", "nested")}
med = {side: {k: statistics.median(m[k] for m in data[side]) for k in data[side][0]} for side in data}
print(f"# Nesting's cost: {n} containers in a kind-like node against {n} on the host ({commit})\n")
print(f"`bench/nested.sh`, {runs} interleaved runs per side, medians. Each run is the default collection")
print("(volatile, metadata, logs, changed filesystem; tar.gz) of the containers with one label; both sides")
print("discover the same way (`--runtime auto`, looking inside the node). Volatile pass: from the")
print("acquisition's start (discovery included) to the last volatile entry, and first to last volatile entry.\n")
print("| | host | nested | nested / host |")
print("| --- | ---: | ---: | ---: |")
rows = [("wall time (s)", "wall", "{:.2f}"), ("start → last volatile entry (s)", "to_volatile_end", "{:.2f}"),
        ("first → last volatile entry (s)", "volatile_span", "{:.2f}"), ("peak RSS (MiB)", "rss", "{:.0f}"),
        ("containers with volatile evidence", "containers", "{:.0f}"), ("manifest entries", "entries", "{:.0f}")]
for label, key, fmt in rows:
    h, x = med["host"][key], med["nested"][key]
    ratio = f"{x / h:.2f}×" if h else "-"
    print(f"| {label} | {fmt.format(h)} | {fmt.format(x)} | {ratio} |")
print(f"\nNested containers found under the node, per run: {[m['nested'] for m in data['nested']]}.")
print("\nPer run (wall s / start→volatile end s):")
for side in data:
    print(f"- {side}: " + ", ".join(f"{m['wall']:.2f}/{m['to_volatile_end']:.2f}" for m in data[side]))
EOF
cp "$RESULT" "$BENCH_DIR/results/latest-nested.md"
cat "$RESULT"
log "report: $RESULT (raw data: $RUN_DIR)"
