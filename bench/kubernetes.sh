#!/usr/bin/env bash
# bench/kubernetes.sh — cfir's Kubernetes collector against the stand-in API server at scale.
#
#   bench/kubernetes.sh [--runs N] [--no-publish] [PODS EVENTS LINES-PER-LOG]
#
# One namespace of PODS pods (default 500), EVENTS events (5000) and two log streams per pod
# (1000 streams of LINES-PER-LOG lines, default 200), served by bench/KubeStandIn (the test
# suite's stand-in: Kestrel on loopback, TLS, a bearer token). Measured side by side in one run:
#   cfir       cfir collect --runtime kubernetes -n bench (pods, current and previous logs,
#              events, owners, RBAC, ConfigMaps, Secret digests, Services, cluster evidence)
#   kubectl    kubectl cluster-info dump --namespaces bench (what responders use today: pods,
#              events, current logs, workloads; no previous logs, no RBAC, no hashes)
# Each tool gets its own fresh stand-in, so the API calls it made are counted from that
# stand-in's request log (calls per pod = calls of one run / pods). Wall time and peak RSS come
# from /usr/bin/time -v; the median of --runs (default 3) is reported. The report goes to
# stdout and bench/results/<UTC date>-<short commit>-kubernetes.md. A stand-in is not a real
# API server: the figures measure cfir's side (requests, streaming, archive), not a cluster's.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="${CFIR_BENCH_WORK:-$BENCH_DIR/work}/kubernetes"
RUNS=3
PUBLISH=1
log() { printf '[bench-k8s] %s\n' "$*" >&2; }
die() { printf '[bench-k8s] ERROR: %s\n' "$*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --no-publish) PUBLISH=0; shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
PODS=${1:-500}; EVENTS=${2:-5000}; LINES=${3:-200}
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 3 ] || die "--runs needs a whole number >= 3"
command -v kubectl >/dev/null || die "kubectl not found (apt-get install kubernetes-client)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

cd "$REPO"
if [ "$PUBLISH" = 1 ]; then
    CFIR=$(bash scripts/publish.sh)
else
    CFIR=$(ls artifacts/cfir-linux-*/cfir 2>/dev/null | head -1)
fi
[ -x "$CFIR" ] || die "no published cfir (run scripts/publish.sh)"
log "building the stand-in"
dotnet build bench/KubeStandIn -c Release -o "$WORK/standin-bin" >/dev/null
rm -rf "$WORK/runs"; mkdir -p "$WORK/runs"

# serve TOOL: a fresh stand-in in $WORK/runs/TOOL; its stdin is a fifo kept open by fd 9.
serve() {
    local dir="$WORK/runs/$1"
    mkdir -p "$dir"
    mkfifo "$dir/stdin"
    "$WORK/standin-bin/KubeStandIn" "$dir" "$PODS" "$EVENTS" "$LINES" < "$dir/stdin" 2> "$dir/standin.log" &
    STANDIN_PID=$!
    exec 9> "$dir/stdin"
    for _ in $(seq 1 600); do [ -f "$dir/ready" ] && return 0; sleep 0.1; done
    die "the stand-in did not start: $(cat "$dir/standin.log")"
}
stop() { exec 9>&-; wait "$STANDIN_PID"; }

# measure TOOL I COMMAND...: one timed run.
measure() {
    local tool=$1 i=$2; shift 2
    /usr/bin/time -v -o "$WORK/runs/$tool/time-$i.txt" "$@" > "$WORK/runs/$tool/stdout-$i.txt" 2> "$WORK/runs/$tool/stderr-$i.txt" || {
        local rc=$?
        [ "$tool" = cfir ] && [ "$rc" = 1 ] || die "$tool run $i exited $rc: $(tail -5 "$WORK/runs/$tool/stderr-$i.txt")"
    }
}

log "cfir: $RUNS runs against $PODS pods, $EVENTS events, $((PODS * 2)) log streams"
serve cfir
KC="$WORK/runs/cfir/kubeconfig"
for i in $(seq 1 "$RUNS"); do
    rm -f "$WORK/runs/cfir/archive-$i.tar.gz"
    measure cfir "$i" "$CFIR" collect --runtime kubernetes --kubeconfig "$KC" -n bench -o "$WORK/runs/cfir/archive-$i.tar.gz" --quiet
done
stop
"$CFIR" verify "$WORK/runs/cfir/archive-1.tar.gz" > "$WORK/runs/cfir/verify.txt" 2>&1 || die "cfir verify failed: $(tail -3 "$WORK/runs/cfir/verify.txt")"

log "kubectl cluster-info dump: $RUNS runs"
serve kubectl
KC="$WORK/runs/kubectl/kubeconfig"
for i in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/runs/kubectl/dump-$i"
    measure kubectl "$i" kubectl --kubeconfig "$KC" cluster-info dump --namespaces bench --output-directory "$WORK/runs/kubectl/dump-$i"
done
stop

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
wall() { # seconds from "Elapsed (wall clock) time (h:mm:ss or m:ss): M:SS.ss"
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}'
}
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
row() { # TOOL
    local t=$1 w r calls
    w=$(for f in "$WORK/runs/$t"/time-*.txt; do wall "$f"; done | median)
    r=$(for f in "$WORK/runs/$t"/time-*.txt; do rss "$f"; done | sort -g | tail -1)
    calls=$(wc -l < "$WORK/runs/$t/requests.tsv")
    printf '%s\t%s\t%s\t%s\n' "$t" "$w" "$r" "$calls"
}
CFIR_ROW=$(row cfir); KUBECTL_ROW=$(row kubectl)
COMMIT=$(git rev-parse --short HEAD)
OUT="$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$COMMIT-kubernetes.md"
ARCHIVE_BYTES=$(stat -c %s "$WORK/runs/cfir/archive-1.tar.gz")
DUMP_BYTES=$(du -sb "$WORK/runs/kubectl/dump-1" | cut -f1)
{
    echo "# Kubernetes collector against the stand-in — $(date -u +%Y-%m-%dT%H:%MZ), commit $COMMIT"
    echo
    echo "$PODS pods in one namespace, $EVENTS events, $((PODS * 2)) log streams of $LINES lines; $RUNS runs each, median wall time, largest peak RSS."
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo). The stand-in runs in its own process on the same machine."
    echo
    echo "| Tool | Wall (s) | Peak RSS (MiB) | API calls per run | API calls per pod | Output (MB) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for r in "$CFIR_ROW" "$KUBECTL_ROW"; do
        IFS=$'\t' read -r t w k c <<< "$r"
        out=$([ "$t" = cfir ] && echo "$ARCHIVE_BYTES" || echo "$DUMP_BYTES")
        per_run=$(awk -v c="$c" -v n="$RUNS" 'BEGIN {printf "%.0f", c / n}')
        awk -v t="$t" -v w="$w" -v k="$k" -v pr="$per_run" -v p="$PODS" -v o="$out" \
            'BEGIN {printf "| %s | %.2f | %.0f | %d | %.2f | %.1f |\n", t, w, k / 1024, pr, pr / p, o / 1e6}'
    done
    echo
    IFS=$'\t' read -r _ cw ck _ <<< "$CFIR_ROW"; IFS=$'\t' read -r _ kw kk _ <<< "$KUBECTL_ROW"
    awk -v cw="$cw" -v kw="$kw" -v ck="$ck" -v kk="$kk" 'BEGIN {printf "cfir / kubectl: wall %.2fx, peak RSS %.2fx.\n", cw / kw, ck / kk}'
    echo
    echo "cfir's archive verified (\`cfir verify\`). kubectl cluster-info dump takes no previous logs, RBAC, Secrets or hashes; cfir takes those and seals them, so its call count is the price of that."
} | tee "$OUT"
log "report: $OUT"
