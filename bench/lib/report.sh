#!/usr/bin/env bash
# bench/lib/report.sh RUN_DIR — the markdown report of one benchmark run, on stdout.
#
# Reads what run.sh and the per-run wrappers left in RUN_DIR: cases/*/meta (what the case
# is), hyperfine.json (wall times), run-<i>.time (/usr/bin/time -v: CPU, peak RSS, exit
# status), run-<i>.size, run-<i>.daemon-ticks, run-<i>.post.json, verify.*; machine.env and
# facts.env. Every figure is a median over the runs; min–max of the wall time shows the spread.
# Targets are judged on the medians, and a missed one is printed as missed with the factor
# still missing: the report must never read better than the measurement.
set -euo pipefail
RUN_DIR=$1
# shellcheck source=/dev/null
. "$RUN_DIR/machine.env"
# shellcheck source=/dev/null
. "$RUN_DIR/facts.env"
TICK=$(getconf CLK_TCK)

median() { sort -g | awk -v OFMT=%.10g '{a[NR] = $1} END {if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
fmt() { awk -v v="${1:-}" -v d="$2" 'BEGIN {if (v == "") print "–"; else printf("%." d "f\n", v)}'; }
calc() { awk -v OFMT=%.10g "BEGIN {print ($*)}"; }   # calc EXPR (numbers substituted); the parentheses keep ">" a comparison
esc() { printf '%s' "${1//|/\\|}"; }  # a | inside a table cell, even in a code span, must be \|
timev() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }   # a field of /usr/bin/time -v

declare -A WALL WMIN WMAX CPU DAEMON RSS SIZE RCS INPUT TITLE KIND WORKLOAD LOADB LOADA NRUNS DIRS
ORDER=()

# ------------------------------------------------------------------ per case, medians
for dir in "$RUN_DIR"/cases/*/; do
    dir=${dir%/}
    [ -f "$dir/hyperfine.json" ] || continue
    unset NAME WORKLOAD_NAME TITLE_TEXT KIND_NAME INPUT_BYTES
    # shellcheck source=/dev/null
    . "$dir/meta"
    n=$NAME; ORDER+=("$n"); DIRS[$n]=$dir
    TITLE[$n]=$TITLE_TEXT; KIND[$n]=$KIND_NAME; WORKLOAD[$n]=$WORKLOAD_NAME; INPUT[$n]=${INPUT_BYTES:-}
    WALL[$n]=$(jq -r '.results[0].times[]' "$dir/hyperfine.json" | median)
    WMIN[$n]=$(jq -r '.results[0].min' "$dir/hyperfine.json")
    WMAX[$n]=$(jq -r '.results[0].max' "$dir/hyperfine.json")
    NRUNS[$n]=$(jq -r '.results[0].times | length' "$dir/hyperfine.json")
    cpu="" rss="" dae="" size="" rcs=""
    for t in "$dir"/run-*.time; do
        [ -f "$t" ] || continue
        u=$(timev "$t" 'User time (seconds)'); s=$(timev "$t" 'System time (seconds)')
        cpu+="$(calc "$u + $s")"$'\n'
        rss+="$(timev "$t" 'Maximum resident set size (kbytes)')"$'\n'
        rcs+="$(timev "$t" 'Exit status') "
    done
    for t in "$dir"/run-*.daemon-ticks; do [ -f "$t" ] && dae+="$(calc "$(cat "$t") / $TICK")"$'\n'; done
    for t in "$dir"/run-*.size; do [ -f "$t" ] && size+="$(cat "$t")"$'\n'; done
    CPU[$n]=$(printf '%s' "$cpu" | median)
    RSS[$n]=$(printf '%s' "$rss" | median)
    DAEMON[$n]=$(printf '%s' "$dae" | median)
    SIZE[$n]=$(printf '%s' "$size" | median)
    RCS[$n]=$(echo "$rcs" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? " " : ""), $1, $2}')
    LOADB[$n]=$(cut -d' ' -f1 "$dir/load.before" 2>/dev/null || true)
    LOADA[$n]=$(cut -d' ' -f1 "$dir/load.after" 2>/dev/null || true)
done

has() { [ -n "${WALL[$1]:-}" ]; }

# The noise note: this machine is shared with other engineers' builds and tests, so it always
# says so, and how busy it got (highest 1-minute load seen before or after any run).
LOAD_MAX=$(cat "$RUN_DIR"/cases/*/run-*.load-* "$RUN_DIR"/cases/*/load.* 2>/dev/null | cut -d' ' -f1 | sort -g | tail -n 1)
LOAD_MAX=${LOAD_MAX:-${LOAD_START%% *}}
if [ "$(calc "$LOAD_MAX > $CPU_COUNT / 2")" = 1 ]; then
    NOISE_NOTE="This $CPU_COUNT-core machine is shared, and other engineers' builds and tests ran during the measurement: the 1-minute load reached $LOAD_MAX. Absolute figures are pessimistic and noisy, and ratios between cases measured minutes apart carry that noise; re-run on an idle machine before acting on a figure close to its target."
else
    NOISE_NOTE="This $CPU_COUNT-core machine is shared with other engineers' builds and tests; during this run the 1-minute load stayed at or below $LOAD_MAX, so the noise was moderate, but short bursts of other work between the load samples cannot be excluded."
fi
mbps() { # input bytes / median wall, MB = 10^6 bytes
    local n=$1
    if [ -n "${INPUT[$n]}" ] && [ "${INPUT[$n]}" != 0 ]; then fmt "$(calc "${INPUT[$n]} / 1000000 / ${WALL[$n]}")" 1; else echo "–"; fi
}
mib() { [ -n "${1:-}" ] && fmt "$(calc "$1 / 1024")" 0 || echo "–"; }      # kB -> MiB
mb()  { [ -n "${1:-}" ] && fmt "$(calc "$1 / 1000000")" "$([ "${1%.*}" -lt 10000000 ] && echo 3 || echo 1)" || echo "–"; }   # bytes -> MB

# ------------------------------------------------------------------ header
cat <<EOF
# cfir benchmark — $RUN_DATE_UTC

Commit \`$GIT_COMMIT\`$GIT_DIRTY · cfir \`$CFIR_VERSION\` · single file sha256 \`${CFIR_SHA256:0:16}…\`
($CFIR_SOURCE) · $RUNS runs per case (start-up: $STARTUP_RUNS) · the run took $RUN_SECONDS_TOTAL.

**Noise.** $NOISE_NOTE Load averages (1, 5, 15 min) at the start: $LOAD_START; at the end:
$LOAD_END. Each case's 1-minute load before → after its runs is in the table; every run's is
in \`bench/work/runs/$(basename "$RUN_DIR")/\`.

## Machine

| | |
| --- | --- |
| CPU | $CPU_MODEL — $CPU_COUNT logical CPU(s) |
| Memory | $MEM_TOTAL |
| OS, kernel | $OS_NAME, Linux $KERNEL |
| Docker | server $DOCKER_SERVER (storage driver $DOCKER_STORAGE), CLI $DOCKER_CLIENT |
| Tools | $TOOLS |

## Workloads

| # | Workload | Container | Input |
| --- | --- | --- | --- |
| 1 | image \`cfir-bench/fs1g\`: busybox rootfs, host ELF libraries, text logs, incompressible blobs, $SMALL_FILES_CFG small files | \`cfir-bench-fs1g\` | $(mb "${FS1G_BYTES:-}") MB in ${FS1G_FILES:-?} files |
| 2 | the same image + a writable layer (added, changed, deleted files) | \`cfir-bench-layer50m\` | upper layer $(mb "${LAYER_BYTES:-}") MB in ${LAYER_FILES:-?} files |
| 3 | running busybox \`sleep\` containers, label \`cfir.bench=small50\` | \`cfir-bench-small-NN\` | ${SMALL_COUNT:-?} containers |
| 4 | wrote ${LOGS_LINES:-?} log lines to stdout (json-file) | \`cfir-bench-logs500k\` | log file $(mb "${LOGS_BYTES:-}") MB |
| 5 | small files in the writable layer | \`cfir-bench-files100k\` | upper layer $(mb "${FILES_BYTES:-}") MB in ${FILES_FILES:-?} files |
| 6 | the archive of workload 1 (\`cfir collect --filesystem full -f tar.gz\`, made by this cfir before the cases) | \`cfir-bench-fs1g\` | archive $(mb "${REPORT_BYTES:-}") MB, ${REPORT_ENTRIES:-?} entries |

## Results (medians)

Wall = hyperfine, median [min–max]. MB/s = the workload's input bytes (above) / median wall.
CPU = user+sys of every process of the command (/usr/bin/time -v). Daemon CPU = dockerd +
containerd CPU during the run (where \`docker export\` and \`docker logs\` do their work; the
daemons are shared with the other engineers' tests, so this column is noisy). Peak RSS = the
largest single process of the command. Archive = bytes written.

| Workload | Case | Wall s [min–max] | MB/s | CPU s | Daemon CPU s | Peak RSS MiB | Archive MB | Exit codes | Load 1m before→after |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
EOF
for n in "${ORDER[@]}"; do
    label=$(esc "${TITLE[$n]}")
    [ "${KIND[$n]}" = cfir ] && label="**$label**"
    printf '| %s | %s | %s [%s–%s] | %s | %s | %s | %s | %s | %s | %s→%s |\n' \
        "${WORKLOAD[$n]}" "$label" "$(fmt "${WALL[$n]}" 3)" "$(fmt "${WMIN[$n]}" 2)" "$(fmt "${WMAX[$n]}" 2)" \
        "$(mbps "$n")" "$(fmt "${CPU[$n]}" 2)" "$(fmt "${DAEMON[$n]}" 2)" "$(mib "${RSS[$n]}")" \
        "$(mb "${SIZE[$n]}")" "${RCS[$n]:-–}" "${LOADB[$n]:-?}" "${LOADA[$n]:-?}"
done

# ------------------------------------------------------------------ pairs
cat <<EOF

## cfir against each pipeline, pair by pair

Ratios are cfir ÷ pipeline (below 1: cfir uses less); speed-up = pipeline wall ÷ cfir wall
(above 1: cfir is faster). CPU includes the daemons' CPU on both sides.

| Pair | Speed-up | Wall cfir÷pipe | CPU cfir÷pipe | Peak RSS cfir÷pipe | Archive cfir÷pipe |
| --- | --- | --- | --- | --- | --- |
EOF
ratio() { # ratio A B -> A/B formatted, or –
    if [ -n "${1:-}" ] && [ -n "${2:-}" ] && [ "$(calc "($2) > 0")" = 1 ]; then fmt "$(calc "($1) / ($2)")" 2; else echo "–"; fi
}
pair() { # pair CFIR_CASE PIPELINE_CASE
    local c=$1 p=$2
    has "$c" && has "$p" || return 0
    printf '| %s vs %s | %s× | %s | %s | %s | %s |\n' "$(esc "${TITLE[$c]}")" "$(esc "${TITLE[$p]}")" \
        "$(ratio "${WALL[$p]}" "${WALL[$c]}")" "$(ratio "${WALL[$c]}" "${WALL[$p]}")" \
        "$(ratio "${CPU[$c]} + ${DAEMON[$c]:-0}" "${CPU[$p]} + ${DAEMON[$p]:-0}")" \
        "$(ratio "${RSS[$c]}" "${RSS[$p]}")" "$(ratio "${SIZE[$c]:-}" "${SIZE[$p]:-}")"
}
pair fs-full.cfir-targz  fs-full.export-gzip6
pair fs-full.cfir-targz  fs-full.export-pigz1
pair fs-full.cfir-targz  fs-full.tar-gzip1
pair fs-full.cfir-tarzst fs-full.export-zstd1
pair fs-full.cfir-stdout fs-full.export-gzip6
pair fs-full.cfir-stdout fs-full.export-pigz1
pair fs-full.cfir-tar-null fs-full.floor
pair fs-full.cfir-tar    fs-full.floor
pair fs-full.cfir-tar    fs-full.floor-write
pair fs-changed.cfir     fs-changed.diff-tar-gzip1
pair fs-changed.cfir     fs-changed.upper-tar-gzip1
pair small50.cfir-default small50.cli-loop
pair logs.cfir-default   logs.docker-logs-gzip6
pair files100k.cfir-changed files100k.upper-tar-gzip1
pair deadbox.cfir-offline deadbox.cfir-live
pair deadbox.cfir-offline deadbox.tar-gzip1
pair deadbox.cfir-live   deadbox.tar-gzip1

if has fs-changed.cfir && has fs-full.cfir-targz; then
    echo
    echo "**Cost ∝ layer, not image.** cfir \`--filesystem changed\` on workload 2 took $(fmt "${WALL[fs-changed.cfir]}" 2) s for a"
    echo "$(mb "${LAYER_BYTES:-}") MB layer; \`--filesystem full\` (tar.gz) on the $(mb "${FS1G_BYTES:-}") MB image took $(fmt "${WALL[fs-full.cfir-targz]}" 2) s:"
    echo "time ratio $(ratio "${WALL[fs-changed.cfir]}" "${WALL[fs-full.cfir-targz]}"), size ratio $(ratio "${LAYER_BYTES:-}" "${FS1G_BYTES:-}")."
fi

# ------------------------------------------------------------------ volatile pass
vol_dir=${DIRS[small50.cfir-default]:-}
if [ -n "$vol_dir" ] && compgen -G "$vol_dir/run-*.post.json" >/dev/null; then
    cat <<EOF

## Volatile pass over the small containers

cfir has no volatile-only option, so this is read from each default collection's archive: the
latest \`collectedAt\` of a \`containers/*/volatile/*\` manifest entry minus the acquisition
record's \`startedAt\` ("from startedAt"), and minus the wall clock just before cfir was
launched ("from launch", which adds start-up and discovery). Skipped entries are mostly
executables already stored from another container of the same image (their reason says where);
the second count is every other entry not collected (failed, missing, partial, truncated).

| Run | Containers with volatile entries | Volatile entries (skipped; others not collected) | From startedAt s | From launch s | Launch → startedAt s |
| --- | --- | --- | --- | --- | --- |
EOF
    for f in "$vol_dir"/run-*.post.json; do
        i=${f##*/run-}; i=${i%%.*}
        if [ -s "$f" ]; then
            jq -r --arg i "$i" '"| \($i) | \(.containersWithVolatile) | \(.volatileEntries) (\(.volatileSkipped // 0); \(.volatileNotCollected)) | \(.secondsFromStartedAt*1000|round/1000) | \(.secondsFromLaunch*1000|round/1000) | \(.launchToStartedAt*1000|round/1000) |"' "$f"
        else
            echo "| $i | could not be read: $(head -c 200 "$vol_dir/run-$i.post.err" | tr '\n' ' ') | | | | |"
        fi
    done
    VOL_MED=$(cat "$vol_dir"/run-*.post.json 2>/dev/null | jq -r '.secondsFromStartedAt // empty' | median)
    VOL_LAUNCH_MED=$(cat "$vol_dir"/run-*.post.json 2>/dev/null | jq -r '.secondsFromLaunch // empty' | median)
fi

# ------------------------------------------------------------------ timeline
cat <<EOF

## Where cfir's time goes

Read from each archive's own timestamps (bench/lib/timeline.sh): seconds from launch, medians
over the runs, to the acquisition record's \`startedAt\`, to the last \`collectedAt\` of each
phase (volatile, engine-wide, metadata, logs), to the first and last filesystem entry, to the
seal's \`endedAt\` and to the process's exit. \`collectedAt\` is when the writer began an entry
(its bytes are read after it), so a phase's bytes end where the next phase begins; except that
deferred entries (Docker's \`stats.json\`, \`df.json\`, \`changes.json\`: asked in their phase,
written when the answer comes) carry the time their answer came, which may fall in a later
phase: "engine done" and "metadata done" can then be later than "logs done". Everything
before the first filesystem entry is fixed cost (start-up, daemon calls); "copy MB/s" is the
workload's input divided by first filesystem entry → sealed. With \`-o FILE\`, most of sealed →
exit is cfir's fsync of the archive (\`ArchiveOutput.CommitAsync\`); no pipeline here fsyncs, nor
does \`-o - > file\`, so the file cases carry that cost and the pipelines do not.

| Case | startedAt | volatile done | engine done | metadata done | logs done | filesystem first → last | sealed | exit | copy MB/s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
EOF
for n in "${ORDER[@]}"; do
    d=${DIRS[$n]}
    compgen -G "$d/run-*.post.json" >/dev/null || continue
    copied=${INPUT[$n]}
    case "$n" in fs-*|files100k.*) ;; *) copied="" ;; esac   # copy MB/s only where the input is a filesystem
    jq -rs --arg n "$(esc "${TITLE[$n]}")" --arg input "$copied" '
        def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        def f: if . == null then "–" else (. * 100 | round / 100 | tostring) end;
        [.[] | select(type == "object") | .points] as $p
        | if ($p | length) == 0 then empty else
          (reduce ($p[0] | keys_unsorted[]) as $k ({}; .[$k] = ([$p[][$k] | select(. != null)] | median))) as $q
          | "| \($n) | \($q.startedAt | f) | \($q.lastVolatile | f) | \($q.lastEngine | f) | \($q.lastMetadata | f) | \($q.lastLogs | f) | \($q.firstFilesystem | f) → \($q.lastFilesystem | f) | \($q.endedAt | f) | \($q.exit | f) | \(if $input == "" or $q.firstFilesystem == null then "–" else ($input | tonumber) / 1000000 / ($q.endedAt - $q.firstFilesystem) | round | tostring end) |" end' \
        "$d"/run-*.post.json 2>/dev/null || true
done

# ------------------------------------------------------------------ start-up
if has startup.cfir-version; then
    echo
    echo "**Start-up.** \`cfir --version\` of the published single file: median $(fmt "$(calc "${WALL[startup.cfir-version]} * 1000")" 1) ms"
    echo "over ${NRUNS[startup.cfir-version]} runs (hyperfine -N, 3 warm-up runs), [$(fmt "$(calc "${WMIN[startup.cfir-version]} * 1000")" 1)–$(fmt "$(calc "${WMAX[startup.cfir-version]} * 1000")" 1)] ms; peak RSS $(mib "${RSS[startup.cfir-version]}") MiB."
fi

# ------------------------------------------------------------------ verification
cat <<EOF

## Verification (\`cfir verify\` of the last archive of each cfir case)

| Case | Verdict | Exit | Complete | Members | Entries | Problems | Truncated | Statuses | Verify wall s | Verify MB/s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
EOF
for n in "${ORDER[@]}"; do
    d=${DIRS[$n]}
    [ -f "$d/verify.rc" ] || continue
    vrc=$(cat "$d/verify.rc")
    vwall=$(timev "$d/verify.time" 'Elapsed (wall clock) time (h:mm:ss or m:ss)' | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
    if jq -e . "$d/verify.json" >/dev/null 2>&1; then
        jq -r --arg n "$(esc "${TITLE[$n]}")" --arg rc "$vrc" --arg w "$(fmt "$vwall" 2)" \
            --arg mbs "$(fmt "$(calc "$(jq -r .archiveBytes "$d/verify.json") / 1000000 / ($vwall + 0.0001)")" 1)" '
            "| \($n) | \(if .ok then "OK" else "**FAILED**" end) | \($rc) | \(.collectionComplete) | \(.members) | \(.manifestEntries) | \(.problems | if type == "array" then length else . end) | \(.truncated | if type == "array" then length else . end) | \(.statusCounts | to_entries | map("\(.key) \(.value)") | join(", ")) | \($w) | \($mbs) |"' "$d/verify.json"
    else
        echo "| $(esc "${TITLE[$n]}") | **no report** ($(head -c 200 "$d/verify.stderr" | tr '\n' ' ')) | $vrc | | | | | | | $(fmt "$vwall" 2) | |"
    fi
done

# ------------------------------------------------------------------ incomplete runs
# A run that exited non-zero (cfir's 1: partial) or recorded errors is listed with what its
# archive says failed: an error in the engine's own evidence is not the same as a slow writer.
incomplete=""
for n in "${ORDER[@]}"; do
    d=${DIRS[$n]}
    for rcf in "$d"/run-*.rc; do
        [ -f "$rcf" ] || continue
        i=${rcf##*/run-}; i=${i%.rc}
        rc=$(cat "$rcf")
        errs=""
        [ -s "$d/run-$i.errors.jsonl" ] && errs=$(jq -r '"\(.scope // "?"): \(.message // "?")"' "$d/run-$i.errors.jsonl" 2>/dev/null | head -n 3 | tr '\n' ';' | sed 's/;$//')
        if [ "$rc" != 0 ] || [ -n "$errs" ]; then
            incomplete+="| $(esc "${TITLE[$n]}") | $i | $rc | $(esc "${errs:-(none recorded; see run-$i.stderr)}") |"$'\n'
        fi
    done
done
if [ -n "$incomplete" ]; then
    cat <<EOF

## Runs that were not complete

| Case | Run | Exit | Recorded errors (first 3, from the archive's manifest/errors.jsonl) |
| --- | --- | --- | --- |
EOF
    printf '%s' "$incomplete"
fi

# ------------------------------------------------------------------ targets
cat <<EOF

## Targets from the issue

Judged on the medians above. "By" is the factor by which the figure beats the target (met)
or would have to improve to reach it (missed). Compare with earlier files in bench/results/
before trusting a borderline verdict: a pipeline that uses both cores (pigz) suffers more from
other work on the machine than cfir does.

| Target | Figure | Verdict | By |
| --- | --- | --- | --- |
EOF
target() { # target TEXT FIGURE_TEXT VALUE OP LIMIT   (OP: ge = value >= limit is good, lt = value < limit is good)
    local text=$1 figure=$2 v=${3:-} op=$4 lim=$5 verdict by
    if [ -z "$v" ]; then printf '| %s | not measured in this run | – | – |\n' "$(esc "$text")"; return; fi
    if [ "$op" = ge ]; then
        if [ "$(calc "$v >= $lim")" = 1 ]; then verdict=met; else verdict="**MISSED**"; fi
        by="$(fmt "$(calc "($v >= $lim) ? $v / $lim : $lim / $v")" 2)×"
    else
        if [ "$(calc "$v < $lim")" = 1 ]; then verdict=met; else verdict="**MISSED**"; fi
        by="$(fmt "$(calc "($v < $lim) ? $lim / $v : $v / $lim")" 2)×"
    fi
    # Within 10 % of the limit either way, the machine's noise alone can flip the verdict.
    if [ "$(calc "${by%×} < 1.10")" = 1 ]; then verdict+=" (borderline: within 10 %, noise can flip it)"; fi
    printf '| %s | %s | %s | %s |\n' "$(esc "$text")" "$figure" "$verdict" "$by"
}
r=""; has fs-full.cfir-targz && has fs-full.export-gzip6 && r=$(calc "${WALL[fs-full.export-gzip6]} / ${WALL[fs-full.cfir-targz]}")
target 'full tar.gz ≥ 8× faster than `docker export | gzip -6`' "$(fmt "$r" 2)× faster" "$r" ge 8
r=""; has fs-full.cfir-targz && has fs-full.export-pigz1 && r=$(calc "${WALL[fs-full.export-pigz1]} / ${WALL[fs-full.cfir-targz]}")
target 'full tar.gz ≥ 1.5× faster than `docker export | pigz -1`' "$(fmt "$r" 2)× faster" "$r" ge 1.5
r=""; has fs-full.cfir-tarzst && has fs-full.export-zstd1 && r=$(calc "${WALL[fs-full.export-zstd1]} / ${WALL[fs-full.cfir-tarzst]}")
target 'full tar.zst ≥ 1.0× `docker export | zstd -1 -T2 | tee >(sha256sum)` (faster or equal; sizes side by side in Pairs)' "$(fmt "$r" 2)× faster" "$r" ge 1.0
# The floor writes nothing: judged against cfir writing nothing, and, with the write on both
# sides, cfir's archive file against the floor that writes its tar to a file.
r=""; has fs-full.cfir-tar-null && has fs-full.floor && r=$(calc "${WALL[fs-full.cfir-tar-null]} / ${WALL[fs-full.floor]}")
target 'full `-f tar` within 1.3× of the floor (`tar | openssl dgst -sha256`), both writing nothing (`-o - > /dev/null`)' "$(fmt "$r" 2)× the floor" "$r" lt 1.3
r=""; has fs-full.cfir-tar && has fs-full.floor-write && r=$(calc "${WALL[fs-full.cfir-tar]} / ${WALL[fs-full.floor-write]}")
target 'the same, both writing a file (`-f tar -o FILE` against `tar | tee >(sha256sum) > file`)' "$(fmt "$r" 2)× the floor + write" "$r" lt 1.3
target "volatile pass over ${SMALL_COUNT:-?} containers < 2 s (issue: 50)" "$(fmt "${VOL_MED:-}" 2) s from startedAt ($(fmt "${VOL_LAUNCH_MED:-}" 2) s from launch)" "${VOL_MED:-}" lt 2
r=""; has small50.cfir-default && r=${WALL[small50.cfir-default]}
target "default collection of ${SMALL_COUNT:-?} small containers < 20 s (issue: 50)" "$(fmt "$r" 2) s" "$r" lt 20
worst="" worstcase=""
for n in "${ORDER[@]}"; do
    [ "${KIND[$n]}" = cfir ] || continue
    if [ -z "$worst" ] || [ "$(calc "${RSS[$n]} > $worst")" = 1 ]; then worst=${RSS[$n]}; worstcase=$(esc "${TITLE[$n]}"); fi
done
r=""; [ -n "$worst" ] && r=$(calc "$worst / 1024")
target 'peak RSS < 200 MiB (every cfir case)' "$(fmt "$r" 0) MiB (worst: $worstcase)" "$r" lt 200
# Issue 19: each layer costs at most 10 % of the plain tar.gz collection's wall time.
r=""; has fs-full.cfir-targz-nofindings && has fs-full.cfir-targz-age && r=$(calc "${WALL[fs-full.cfir-targz-age]} / ${WALL[fs-full.cfir-targz-nofindings]}")
target 'full tar.gz `--encrypt-to` (age) ≤ 1.10× the plain tar.gz, both `--no-findings` (cases minutes apart: bench/sealing.sh interleaves them)' "$(fmt "$r" 3)× the plain" "$r" lt 1.10
r=""; has fs-full.cfir-targz-nofindings && has fs-full.cfir-targz-signed && r=$(calc "${WALL[fs-full.cfir-targz-signed]} / ${WALL[fs-full.cfir-targz-nofindings]}")
target 'full tar.gz `--sign-key` ≤ 1.10× the plain tar.gz' "$(fmt "$r" 3)× the plain" "$r" lt 1.10
# Issue 18: report and timeline of the 1 GiB / 23,000-file archive < 5 s (peak RSS: the row above).
r=""; has report.cfir-report-html && r=${WALL[report.cfir-report-html]}
target 'report (html) of the 1 GiB / 23,000-file archive < 5 s' "$(fmt "$r" 2) s" "$r" lt 5
r=""; has report.cfir-timeline-bodyfile && has report.cfir-timeline-jsonl && r=$(calc "(${WALL[report.cfir-timeline-bodyfile]} > ${WALL[report.cfir-timeline-jsonl]}) ? ${WALL[report.cfir-timeline-bodyfile]} : ${WALL[report.cfir-timeline-jsonl]}")
target 'timeline (bodyfile and jsonl, the slower) of the same archive < 5 s' "$(fmt "$r" 2) s" "$r" lt 5
r=""; has startup.cfir-version && r=$(calc "${WALL[startup.cfir-version]} * 1000")
target '`cfir --version` < 150 ms' "$(fmt "$r" 1) ms" "$r" lt 150

# ------------------------------------------------------------------ commands
cat <<EOF

## Commands

\`\$OUT\` is a fresh path under \`bench/work/\` for every run; the archive is measured and
deleted after the run, outside the timed part, and \`sync\` runs between runs. The page cache
was warm (an untimed read of the workload before each run, bench/lib/warm.sh). \`cfir\` below is
\`$CFIR_SOURCE\`.

EOF
for n in "${ORDER[@]}"; do
    printf -- '- `%s` — %s:\n  `%s`\n' "$n" "${TITLE[$n]}" "$(sed "s#$CFIR#cfir#g" "${DIRS[$n]}/cmd")"
done
