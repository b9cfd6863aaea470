#!/usr/bin/env bash
# bench/run.sh — measures cfir against the pipelines responders use today, in one run.
#
#   sudo bench/run.sh [--runs N] [--only NAME[,NAME...]] [--no-publish]
#
#   --runs N       timed runs per case, N >= 3 (default 3, or $CFIR_BENCH_RUNS)
#   --only NAMES   only these groups or cases: fs-full, fs-changed, small50, logs, files100k,
#                  deadbox, report, startup, or a case name such as fs-full.cfir-tar (see bench/README.md)
#   --no-publish   use the existing artifacts/cfir-linux-x64/cfir instead of publishing again
#
# Steps: (1) the rig (scripts/rig/up.sh) and the published single file (scripts/publish.sh);
# (2) the workloads (bench/workloads.sh, idempotent); (3) every case timed by hyperfine with
# every run under /usr/bin/time -v (bench/lib/run-once.sh); (4) one cfir archive per cfir case
# verified with `cfir verify`; (5) the report (bench/lib/report.sh), printed on stdout and
# written to bench/results/<UTC date>-<short commit>.md and bench/results/latest.md.
# Progress goes to stderr. Workload sizes: CFIR_BENCH_* variables, see bench/workloads.sh.
#
# WHY these tools: hyperfine for wall time (a public, well-understood harness, JSON export),
# GNU time for what hyperfine does not report (peak RSS, CPU of the whole pipeline). Timings
# stay here and never go into unit tests: on a shared 2-core machine they would be flaky.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
LIB="$BENCH_DIR/lib"
WORK="${CFIR_BENCH_WORK:-$BENCH_DIR/work}"
RESULTS="$BENCH_DIR/results"
GROUP_NAMES="fs-full fs-changed small50 logs files100k deadbox report startup"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

RUNS="${CFIR_BENCH_RUNS:-3}"
STARTUP_RUNS="${CFIR_BENCH_STARTUP_RUNS:-30}"
ONLY=""
PUBLISH=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --only) [ $# -ge 2 ] || die "--only needs a name"; ONLY=$2; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        --no-publish) PUBLISH=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
# A median of fewer than 3 runs is one run's noise.
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 3 ] || die "--runs needs a whole number >= 3 (got '$RUNS')"
[[ "$STARTUP_RUNS" =~ ^[0-9]+$ ]] && [ "$STARTUP_RUNS" -ge 3 ] || die "CFIR_BENCH_STARTUP_RUNS needs a whole number >= 3"
for o in ${ONLY//,/ }; do
    ok=0
    for g in $GROUP_NAMES; do case "$o" in "$g"|"$g".*) ok=1 ;; esac; done
    [ "$ok" = 1 ] || die "--only: unknown name '$o' (groups: $GROUP_NAMES)"
done

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
# The pipelines and cfir must talk to the rig's daemon, never to whatever a caller points at.
unset DOCKER_HOST DOCKER_CONTEXT CONTAINER_HOST CONTAINERD_ADDRESS || true
DOCKER=/usr/bin/docker   # Debian's CLI, the one that matches the rig's daemon (as scripts/rig/up.sh)
T0=$(date +%s)
START_COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ tools
# Installed only when missing: a second run never calls apt.
PACKAGES="hyperfine pigz zstd time jq openssl gzip tar procps coreutils age openssh-client"
missing=""
for p in $PACKAGES; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=" $p"
done
if [ -n "$missing" ]; then
    log "installing:$missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2; }
fi

# ------------------------------------------------------------------ rig and cfir
log "rig: scripts/rig/up.sh"
"$REPO/scripts/rig/up.sh" >&2
[ -x "$DOCKER" ] || DOCKER=$(command -v docker)

if [ "$PUBLISH" = 1 ]; then
    log "publishing cfir (scripts/publish.sh)"
    built="$REPO/$("$REPO/scripts/publish.sh")"
else
    built="$REPO/artifacts/cfir-linux-x64/cfir"
    log "--no-publish: using $built"
fi
[ -x "$built" ] || die "no published cfir at $built"
want_sha=$(cut -d' ' -f1 "$(dirname "$built")/cfir.sha256")
# WHY a copy: every cfir run must use this one single file, and other engineers publish into
# artifacts/ too (publish.sh starts with rm -rf). A byte-identical copy, checked by its sha256,
# cannot be swapped or deleted under a running benchmark.
mkdir -p "$WORK/bin"
install -m 0755 "$built" "$WORK/bin/cfir.tmp"
mv -f "$WORK/bin/cfir.tmp" "$WORK/bin/cfir"
CFIR="$WORK/bin/cfir"
CFIR_SHA256=$(sha256sum "$CFIR" | cut -d' ' -f1)
[ "$CFIR_SHA256" = "$want_sha" ] || die "copied cfir sha256 $CFIR_SHA256 differs from $built's ($want_sha): a concurrent publish?"
CFIR_VERSION=$("$CFIR" --version)
log "cfir: $CFIR_VERSION, sha256 $CFIR_SHA256"

# ------------------------------------------------------------------ workloads
RUN_DIR="$WORK/runs/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR/cases"
log "workloads: bench/workloads.sh up"
CFIR_BENCH_WORK="$WORK" "$BENCH_DIR/workloads.sh" up > "$RUN_DIR/facts.env"
# shellcheck source=/dev/null
. "$RUN_DIR/facts.env"
cat "$RUN_DIR/facts.env" >&2
T_SETUP=$(date +%s)

# The daemons whose CPU each run adds up (bench/lib/run-once.sh): dockerd does the tar work
# of `docker export`, containerd and its shims serve exec and the container lifecycle.
{ pgrep -x dockerd || true; pgrep -x containerd || true; } > "$RUN_DIR/cases/daemon-pids"

# ------------------------------------------------------------------ machine
q() { printf '%q' "$1"; }
{
    echo "RUN_DATE_UTC=$(q "$(date -u '+%Y-%m-%d %H:%M:%SZ')")"
    echo "GIT_COMMIT=$(q "$(git -C "$REPO" rev-parse --short=12 "$START_COMMIT" 2>/dev/null || echo unknown)")"
    dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | wc -l)
    echo "GIT_DIRTY=$(q "$([ "$dirty" -gt 0 ] && echo " (working tree: $dirty uncommitted paths, built as they were)" || true)")"
    echo "CFIR=$(q "$CFIR")"
    echo "CFIR_VERSION=$(q "$CFIR_VERSION")"
    echo "CFIR_SHA256=$(q "$CFIR_SHA256")"
    echo "CFIR_SOURCE=$(q "bench/work/bin/cfir, a sha256-checked copy of ${built#"$REPO"/}$([ "$PUBLISH" = 1 ] && echo ", published by this run" || echo ", not republished (--no-publish)")")"
    echo "RUNS=$RUNS"
    echo "STARTUP_RUNS=$STARTUP_RUNS"
    echo "CPU_MODEL=$(q "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)")"
    echo "CPU_COUNT=$(nproc)"
    echo "MEM_TOTAL=$(q "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)")"
    echo "OS_NAME=$(q "$(. /etc/os-release && echo "$PRETTY_NAME")")"
    echo "KERNEL=$(q "$(uname -r)")"
    echo "DOCKER_SERVER=$(q "$("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null || echo '?')")"
    echo "DOCKER_CLIENT=$(q "$("$DOCKER" version -f '{{.Client.Version}}' 2>/dev/null || echo '?') ($DOCKER)")"
    echo "DOCKER_STORAGE=$(q "$("$DOCKER" info -f '{{.Driver}}' 2>/dev/null || echo '?')")"
    echo "TOOLS=$(q "$(hyperfine --version), GNU gzip $(gzip --version | head -n 1 | awk '{print $NF}'), pigz $(pigz --version 2>&1 | awk '{print $2}'), zstd $(zstd -V | grep -o 'v[0-9.]*' | head -n 1), $(openssl version | cut -d' ' -f1-2), GNU tar $(tar --version | head -n 1 | awk '{print $NF}'), GNU time $(dpkg-query -W -f='${Version}' time)")"
    echo "SMALL_FILES_CFG=${CFIR_BENCH_SMALL_FILES:-20000}"
    echo "LOAD_START=$(q "$LOAD_START")"
} > "$RUN_DIR/machine.env"

# ------------------------------------------------------------------ cases
want() { # want GROUP NAME: selected by --only?
    [ -z "$ONLY" ] && return 0
    local o
    for o in ${ONLY//,/ }; do [ "$o" = "$1" ] || [ "$o" = "$2" ] && return 0; done
    return 1
}
want_group() { # any case of GROUP selected?
    [ -z "$ONLY" ] && return 0
    local o
    for o in ${ONLY//,/ }; do case "$o" in "$1"|"$1".*) return 0 ;; esac; done
    return 1
}
CASE_NO=0
VERIFY_ARGS=""   # extra arguments of the case's `cfir verify` (an identity, allowed signers); set around a bench_case
# bench_case GROUP NAME KIND EXT VERIFY POST INPUT_BYTES WORKLOAD TITLE COMMAND
#   KIND cfir|pipeline|floor; the command sees a fresh output path in $OUT on every run.
bench_case() {
    local group=$1 name=$2 kind=$3 ext=$4 verify=$5 post=$6 input=$7 workload=$8 title=$9 cmd=${10} dir
    want "$group" "$name" || return 0
    CASE_NO=$((CASE_NO + 1))
    dir="$RUN_DIR/cases/$(printf '%02d' "$CASE_NO")-$name"
    mkdir -p "$dir/out"
    {
        echo "NAME=$(q "$name")"; echo "KIND_NAME=$kind"; echo "VERIFY=$verify"; echo "POST=$(q "$post")"
        echo "INPUT_BYTES=$(q "$input")"; echo "WORKLOAD_NAME=$(q "$workload")"; echo "TITLE_TEXT=$(q "$title")"
        echo "CFIR=$(q "$CFIR")"; echo "VERIFY_ARGS=$(q "$VERIFY_ARGS")"; echo "WARM=$(q "$WARM")"
    } > "$dir/meta"
    printf '%s\n' "$cmd" > "$dir/cmd"
    echo "$ext" > "$dir/ext"
    echo 0 > "$dir/counter"
    log "case $name ($RUNS runs): $cmd"
    cat /proc/loadavg > "$dir/load.before"
    # -i: a non-zero exit (cfir's 1 = partial) is recorded per run, not a reason to stop.
    hyperfine --runs "$RUNS" -i --style basic --export-json "$dir/hyperfine.json" \
        --command-name "$name" --prepare "bash $(q "$LIB/settle.sh") $(q "$dir")" \
        "bash $(q "$LIB/run-once.sh") $(q "$dir")" >&2
    bash "$LIB/settle.sh" "$dir" final
    cat /proc/loadavg > "$dir/load.after"
    log "case $name: median $(jq -r '.results[0].median' "$dir/hyperfine.json") s, exit codes $(cat "$dir"/run-*.rc | tr '\n' ' ')"
}
# An untimed read of the workload before a group's first case, and again before every run
# (settle.sh, from the case's WARM): every run then starts from a warm page cache, the same for
# cfir and the pipelines (a cold-cache comparison would measure the disk). Once per group was
# not enough here: this VM's host reclaims idle page cache within seconds (virtio-balloon; 7 %
# of the 100,000-file layer's pages gone 30 s after a read, 20 GiB free), so the case that ran
# first (cfir) met more cold files than the pipeline that followed it.
WARM=""
warm() { WARM=$1; log "warming the page cache: $1"; bash "$LIB/warm.sh" "$1"; }

C="$CFIR"
D="$DOCKER"
# Keys of the sealing cases (--encrypt-to, --sign-key): made once, kept with the work files.
KEYS="$WORK/keys"
if [ ! -s "$KEYS/age.key" ] || [ ! -s "$KEYS/sign" ]; then
    mkdir -p "$KEYS"
    rm -f "$KEYS/age.key" "$KEYS/sign" "$KEYS/sign.pub"
    age-keygen -o "$KEYS/age.key" 2>/dev/null
    ssh-keygen -q -t ed25519 -N "" -C bench@cfir -f "$KEYS/sign"
fi
AGE_RECIPIENT=$(age-keygen -y "$KEYS/age.key")
echo "bench@cfir $(cat "$KEYS/sign.pub")" > "$KEYS/allowed_signers"
SHA='tee >(sha256sum >/dev/null)'

if want_group fs-full; then
    warm "$FS1G_MERGED"; "$C" --version > /dev/null
    W="1 fs1g"
    bench_case fs-full fs-full.export-gzip6 pipeline tar.gz 0 "" "$FS1G_BYTES" "$W" '`docker export | gzip -6`' \
        "$D export cfir-bench-fs1g | gzip -6 > \"\$OUT\""
    bench_case fs-full fs-full.export-pigz1 pipeline tar.gz 0 "" "$FS1G_BYTES" "$W" '`docker export | pigz -1 | tee >(sha256sum)`' \
        "$D export cfir-bench-fs1g | pigz -1 | $SHA > \"\$OUT\""
    # Issue 20: tar.zst against zstd's own multi-threaded CLI at its fastest usual level, hashed as it is written.
    bench_case fs-full fs-full.export-zstd1 pipeline tar.zst 0 "" "$FS1G_BYTES" "$W" '`docker export | zstd -1 -T2 | tee >(sha256sum)`' \
        "$D export cfir-bench-fs1g | zstd -q -1 -T2 | $SHA > \"\$OUT\""
    bench_case fs-full fs-full.tar-gzip1 pipeline tar.gz 0 "" "$FS1G_BYTES" "$W" '`tar merged | gzip -1 | tee >(sha256sum)` (one-core deflate)' \
        "tar -C $FS1G_MERGED -cf - . | gzip -1 | $SHA > \"\$OUT\""
    bench_case fs-full fs-full.floor floor none 0 "" "$FS1G_BYTES" "$W" '`tar merged | openssl dgst -sha256` (floor)' \
        "tar -C $FS1G_MERGED -cf - . | openssl dgst -sha256 > /dev/null"
    bench_case fs-full fs-full.floor-write floor tar 0 "" "$FS1G_BYTES" "$W" '`tar merged | tee >(sha256sum) > file` (floor + write)' \
        "tar -C $FS1G_MERGED -cf - . | $SHA > \"\$OUT\""
    bench_case fs-full fs-full.cfir-targz cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar.gz' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz -o \"\$OUT\""
    bench_case fs-full fs-full.cfir-tarzst cfir tar.zst 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar.zst' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.zst -o \"\$OUT\""
    # Signing and encryption (issue 19), beside the plain tar.gz: the cost of each layer. All
    # three without the findings read-back, which an encrypted archive cannot have.
    bench_case fs-full fs-full.cfir-targz-nofindings cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar.gz --no-findings' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz --no-findings -o \"\$OUT\""
    VERIFY_ARGS="--identity $KEYS/age.key"
    bench_case fs-full fs-full.cfir-targz-age cfir tar.gz.age 1 "" "$FS1G_BYTES" "$W" 'cfir full -f tar.gz --encrypt-to age1…' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz --no-findings --encrypt-to $AGE_RECIPIENT -o \"\$OUT\""
    VERIFY_ARGS="--allowed-signers $KEYS/allowed_signers"
    bench_case fs-full fs-full.cfir-targz-signed cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar.gz --sign-key (ed25519)' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz --no-findings --sign-key $KEYS/sign -o \"\$OUT\""
    VERIFY_ARGS=""
    bench_case fs-full fs-full.cfir-tar cfir tar 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar -o \"\$OUT\""
    # The floor writes nothing; this is cfir writing nothing too (the same reading, hashing and
    # tar framing, output to /dev/null), so the two compare the work and not the disk.
    bench_case fs-full fs-full.cfir-tar-null cfir none 0 "" "$FS1G_BYTES" "$W" 'cfir full -f tar -o - > /dev/null' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar -o - > /dev/null"
    bench_case fs-full fs-full.cfir-stdout cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -o - > file' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -o - > \"\$OUT\""
fi

if want_group fs-changed; then
    warm "$LAYER_MERGED"
    W="2 layer50m"
    bench_case fs-changed fs-changed.cfir cfir tar.gz 1 timeline.sh "$LAYER_BYTES" "$W" 'cfir changed' \
        "$C collect cfir-bench-layer50m --runtime docker --filesystem changed -o \"\$OUT\""
    # The manual equivalent with docker's own change list: added and changed paths (deleted
    # ones have nothing to copy) read from the merged directory, gzip -1 (cfir's level).
    bench_case fs-changed fs-changed.diff-tar-gzip1 pipeline tar.gz 0 "" "$LAYER_BYTES" "$W" '`docker diff` → `tar -T merged | gzip -1 | tee >(sha256sum)`' \
        "$D diff cfir-bench-layer50m | awk '\$1 != \"D\" {print substr(\$0, 4)}' | tar -C $LAYER_MERGED --no-recursion --verbatim-files-from -T - -cf - | gzip -1 | $SHA > \"\$OUT\""
    bench_case fs-changed fs-changed.upper-tar-gzip1 pipeline tar.gz 0 "" "$LAYER_BYTES" "$W" '`tar upperdir | gzip -1 | tee >(sha256sum)`' \
        "tar -C $LAYER_UPPER -cf - . | gzip -1 | $SHA > \"\$OUT\""
fi

if want_group small50; then
    WARM=""   # running containers: nothing read from disk
    W="3 small50"
    bench_case small50 small50.cfir-default cfir tar.gz 1 timeline.sh "" "$W" "cfir default, $SMALL_COUNT containers by label" \
        "$C collect --runtime docker --label cfir.bench=small50 -o \"\$OUT\""
    # What responders script today, per container: inspect, top, logs, diff (no `docker stats
    # --no-stream`: the CLI has no one-shot and waits ~2 s per container for a second sample).
    bench_case small50 small50.cli-loop pipeline gz 0 "" "" "$W" 'docker CLI loop (inspect, top, logs, diff) | gzip -6' \
        "for c in \$($D ps -q --filter label=cfir.bench=small50); do $D inspect \"\$c\"; $D top \"\$c\"; $D logs -t \"\$c\" 2>&1; $D diff \"\$c\"; done | gzip -6 | $SHA > \"\$OUT\""
fi

if want_group logs; then
    warm "$LOGS_PATH"
    W="4 logs500k"
    bench_case logs logs.cfir-default cfir tar.gz 1 timeline.sh "$LOGS_BYTES" "$W" 'cfir default (logs)' \
        "$C collect cfir-bench-logs500k --runtime docker -o \"\$OUT\""
    bench_case logs logs.docker-logs-gzip6 pipeline gz 0 "" "$LOGS_BYTES" "$W" '`docker logs -t | gzip -6 | tee >(sha256sum)`' \
        "$D logs -t cfir-bench-logs500k 2>&1 | gzip -6 | $SHA > \"\$OUT\""
fi

if want_group files100k; then
    warm "$FILES_UPPER"
    W="5 files100k"
    bench_case files100k files100k.cfir-changed cfir tar.gz 1 timeline.sh "$FILES_BYTES" "$W" 'cfir changed (100k files)' \
        "$C collect cfir-bench-files100k --runtime docker --filesystem changed -o \"\$OUT\""
    bench_case files100k files100k.upper-tar-gzip1 pipeline tar.gz 0 "" "$FILES_BYTES" "$W" '`tar upperdir | gzip -1 | tee >(sha256sum)`' \
        "tar -C $FILES_UPPER -cf - . | gzip -1 | $SHA > \"\$OUT\""
fi

if want_group deadbox; then
    warm "$FS1G_MERGED"; "$C" --version > /dev/null
    W="1 fs1g"
    # Dead-box: the same container's whole filesystem read from the data root's files, its layers
    # merged by cfir, nothing mounted and no daemon asked (--root / over the rig's own data root:
    # the bytes a mounted disk image would hold, without copying 1 GiB), side by side with the live
    # collection (the mounted merged directory) and a tar of that merged directory.
    bench_case deadbox deadbox.cfir-offline cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir --root full -f tar.gz (dead-box)' \
        "$C collect cfir-bench-fs1g --root / --docker-root /var/lib/docker --runtime docker --filesystem full -f tar.gz -o \"\$OUT\""
    bench_case deadbox deadbox.cfir-live cfir tar.gz 1 timeline.sh "$FS1G_BYTES" "$W" 'cfir full -f tar.gz (live)' \
        "$C collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz -o \"\$OUT\""
    bench_case deadbox deadbox.tar-gzip1 pipeline tar.gz 0 "" "$FS1G_BYTES" "$W" '`tar merged | gzip -1 | tee >(sha256sum)`' \
        "tar -C $FS1G_MERGED -cf - . | gzip -1 | $SHA > \"\$OUT\""
fi

if want_group report; then
    # The issue's "report and timeline of the 1 GiB / 23,000-file benchmark archive": the archive
    # of workload 1 (the fs-full collection, -f tar.gz), made once per run with this cfir,
    # untimed, then read by each case. Its size is the cases' input (MB/s is archive bytes).
    REPORT_ARCHIVE="$WORK/report-input.tar.gz"
    rm -f "$REPORT_ARCHIVE"
    log "report: the input archive (untimed): cfir collect cfir-bench-fs1g --filesystem full -f tar.gz"
    rc=0; "$C" collect cfir-bench-fs1g --runtime docker --filesystem full -f tar.gz --no-findings -q -o "$REPORT_ARCHIVE" >&2 || rc=$?
    [ "$rc" -le 1 ] && [ -s "$REPORT_ARCHIVE" ] || die "report: the input archive could not be made (exit $rc)"
    REPORT_BYTES=$(stat -c %s "$REPORT_ARCHIVE")
    REPORT_ENTRIES=$(tar --warning=no-unknown-keyword -xzOf "$REPORT_ARCHIVE" manifest/manifest.jsonl | wc -l)
    { echo "REPORT_BYTES=$REPORT_BYTES"; echo "REPORT_ENTRIES=$REPORT_ENTRIES"; } >> "$RUN_DIR/facts.env"
    warm "$REPORT_ARCHIVE"
    W="6 report"
    RA=$(q "$REPORT_ARCHIVE")
    bench_case report report.cfir-verify cfir none 0 "" "$REPORT_BYTES" "$W" 'cfir verify (the same archive: the report verifies it too)' \
        "$C verify -q $RA"
    bench_case report report.cfir-report-html cfir html 0 "" "$REPORT_BYTES" "$W" 'cfir report (html)' \
        "$C report $RA -o \"\$OUT\""
    bench_case report report.cfir-report-json cfir json 0 "" "$REPORT_BYTES" "$W" 'cfir report -f json' \
        "$C report $RA -f json -o \"\$OUT\""
    bench_case report report.cfir-timeline-bodyfile cfir body 0 "" "$REPORT_BYTES" "$W" 'cfir timeline -f bodyfile' \
        "$C timeline $RA -f bodyfile -o \"\$OUT\""
    bench_case report report.cfir-timeline-jsonl cfir jsonl 0 "" "$REPORT_BYTES" "$W" 'cfir timeline -f jsonl' \
        "$C timeline $RA -f jsonl -o \"\$OUT\""
    rm -f "$REPORT_ARCHIVE"
    WARM=""
fi

if want startup startup.cfir-version; then
    # No wrapper here: two bash start-ups would be a visible part of ~100 ms. hyperfine -N
    # runs the file directly; five more runs under GNU time give RSS and CPU.
    CASE_NO=$((CASE_NO + 1))
    dir="$RUN_DIR/cases/$(printf '%02d' "$CASE_NO")-startup.cfir-version"
    mkdir -p "$dir"
    { echo "NAME=startup.cfir-version"; echo "KIND_NAME=cfir"; echo "VERIFY=0"; echo "POST="; echo "INPUT_BYTES="
      echo "WORKLOAD_NAME=start-up"; echo "TITLE_TEXT=$(q 'cfir --version')"; echo "CFIR=$(q "$CFIR")"; } > "$dir/meta"
    echo "$C --version" > "$dir/cmd"
    log "case startup.cfir-version ($STARTUP_RUNS runs)"
    cat /proc/loadavg > "$dir/load.before"
    hyperfine -N --warmup 3 --runs "$STARTUP_RUNS" --style basic --export-json "$dir/hyperfine.json" \
        --command-name startup.cfir-version "$C --version" >&2
    for i in 1 2 3 4 5; do /usr/bin/time -v -o "$dir/run-$i.time" "$C" --version > /dev/null; done
    cat /proc/loadavg > "$dir/load.after"
fi

# ------------------------------------------------------------------ report
T_END=$(date +%s)
{
    echo "LOAD_END=$(q "$(cut -d' ' -f1-3 /proc/loadavg)")"
    echo "RUN_SECONDS_TOTAL=$(q "$((T_END - T0)) s (set-up — rig, publish, workloads — $((T_SETUP - T0)) s; measuring $((T_END - T_SETUP)) s)")"
} >> "$RUN_DIR/machine.env"

report="$RUN_DIR/report.md"
bash "$LIB/report.sh" "$RUN_DIR" > "$report"
mkdir -p "$RESULTS"
# Named after the commit recorded at the start (the one published), not HEAD now: others may
# commit while the benchmark runs.
base="$RESULTS/$(date -u +%Y-%m-%d)-$START_COMMIT"
out="$base.md"; k=2
while [ -e "$out" ]; do out="$base-$k.md"; k=$((k + 1)); done   # never overwrite an earlier result
cp "$report" "$out"
cp "$report" "$RESULTS/latest.md"
cat "$report"
log "results: ${out#"$REPO"/} (and bench/results/latest.md); raw data: ${RUN_DIR#"$REPO"/}; took $((T_END - T0)) s"
