#!/usr/bin/env bash
# bench/workloads.sh — builds the benchmark's containers, locally and deterministically.
#
#   sudo bench/workloads.sh [up]      build what is missing or outdated (idempotent), print facts
#   sudo bench/workloads.sh facts     print the facts (paths, sizes) of what is there as KEY=VALUE
#   sudo bench/workloads.sh down      remove every cfir-bench-* container and the cfir-bench/fs1g image
#
# Workloads (docker, every container --network none, labelled cfir.bench=<workload>):
#   1  cfir-bench-fs1g       image cfir-bench/fs1g (~CFIR_BENCH_FS_MB MiB): busybox rootfs, a copy of
#                            the host's ELF libraries, text logs, incompressible blobs, small files
#   2  cfir-bench-layer50m   the same image plus a ~CFIR_BENCH_LAYER_MB MiB writable layer (added,
#                            changed and deleted files, planted with docker exec)
#   3  cfir-bench-small-NN   CFIR_BENCH_SMALL_CONTAINERS running busybox sleep, label cfir.bench=small50
#   4  cfir-bench-logs500k   wrote CFIR_BENCH_LOG_LINES log lines (~100 bytes each) to stdout
#   5  cfir-bench-files100k  CFIR_BENCH_LAYER_FILES files of 1 KiB in its writable layer
#
# WHY a recipe label: each image/container carries cfir.bench.recipe, a hash of everything that
# shapes it (this script's revision, the sizes, the seed, the base image id, the list of host
# libraries copied). A re-run rebuilds only what no longer matches, so a second run is fast and
# a changed knob can never silently reuse a workload of another size.
#
# WHY everything is generated here (no registry, no downloads): the numbers must be
# reproducible on an air-gapped incident machine, and the rig already has busybox-static.
set -euo pipefail

# Bump when a recipe below changes: every workload is rebuilt.
WORKLOADS_REV=1

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
WORK="${CFIR_BENCH_WORK:-$BENCH_DIR/work}"
WL_DIR="$WORK/workloads"

FS_MB="${CFIR_BENCH_FS_MB:-1024}"                       # workload 1: total size target
SMALL_FILES="${CFIR_BENCH_SMALL_FILES:-20000}"          # workload 1: small files in the image
LAYER_MB="${CFIR_BENCH_LAYER_MB:-50}"                   # workload 2: writable layer size
SMALL_CONTAINERS="${CFIR_BENCH_SMALL_CONTAINERS:-50}"   # workload 3
LOG_LINES="${CFIR_BENCH_LOG_LINES:-500000}"             # workload 4
LAYER_FILES="${CFIR_BENCH_LAYER_FILES:-100000}"         # workload 5
SEED="${CFIR_BENCH_SEED:-cfir-bench}"

BASE_IMAGE=cfir-test/busybox:latest   # built by scripts/rig/up.sh
FS_IMAGE=cfir-bench/fs1g
LIB_SRC=/usr/lib/x86_64-linux-gnu
# A sleep far in the future: the containers must stay running (the full filesystem is read
# from the mounted overlay merged directory only while a container runs).
SLEEP=(/bin/busybox sleep 2147483647)

# Same choice as scripts/rig/up.sh: Debian's CLI matches the rig's daemon.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker); fi
docker() { "$DOCKER" --host unix:///var/run/docker.sock "$@"; }
unset DOCKER_HOST DOCKER_CONTEXT || true

log() { printf '[workloads] %s\n' "$*" >&2; }
die() { printf '[workloads] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (the overlay directories and the docker socket need it)"

hash16() { sha256sum | cut -c1-16; }
# Deterministic incompressible bytes: AES-128-CTR keystream of a seeded key over zeros.
# "|| true": head closes the pipe early and openssl dies of SIGPIPE, which pipefail would report.
prng() { # prng NAME BYTES
    { openssl enc -aes-128-ctr -pass "pass:$SEED-$1" -nosalt </dev/zero 2>/dev/null || true; } | head -c "$2"
}
label_of() { docker inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null || true)" = true ]; }
ready_file() { echo "$WL_DIR/$1.ready"; }

# A container is reused when it runs, carries the wanted recipe and was completely planted
# (the ready file holds its id: written only after planting succeeded, so an interrupted
# build is redone instead of benchmarking half a workload).
reusable() { # reusable NAME RECIPE
    local id
    running "$1" || return 1
    [ "$(label_of "$1" cfir.bench.recipe)" = "$2" ] || return 1
    id=$(docker inspect -f '{{.Id}}' "$1")
    [ -f "$(ready_file "$1")" ] && [ "$(cat "$(ready_file "$1")")" = "$id" ]
}
mark_ready() { docker inspect -f '{{.Id}}' "$1" > "$(ready_file "$1")"; }

# run_container NAME WORKLOAD RECIPE IMAGE CMD...: a fresh detached container.
run_container() {
    local name=$1 workload=$2 recipe=$3 image=$4; shift 4
    docker rm -f "$name" >/dev/null 2>&1 || true
    rm -f "$(ready_file "$name")"
    docker run -d --network none --name "$name" \
        --label "cfir.bench=$workload" --label "cfir.bench.recipe=$recipe" \
        "$image" "$@" >/dev/null
}

# ------------------------------------------------------------------------------ workload 1
# The libraries copied: regular files and symlinks of $LIB_SRC in byte order, until half of
# FS_MB is filled (a file that does not fit is left out, smaller ones after it still go in).
# Hard links are kept (tar stores them as links) and counted once: Mesa's DRI drivers alone
# are one 25 MB file under 13 names. Sorted so that the same host always yields the same set. (awk reads to the
# end instead of exiting early: an early exit would kill sort with SIGPIPE, and pipefail.)
lib_list() {
    local budget=$(( FS_MB * 1048576 / 2 ))
    ( cd "$LIB_SRC" && find . \( -type f -o -type l \) -printf '%y %s %i %P\n' ) | LC_ALL=C sort -k4 |
        awk -v b="$budget" '
            $1 == "f" { if (!($3 in take)) { take[$3] = (s + $2 <= b); if (take[$3]) s += $2 } if (!take[$3]) next }
            { sub(/^[fl] [0-9]+ [0-9]+ /, ""); print }'
}

fs_recipe() {
    { echo "rev=$WORKLOADS_REV fs=$FS_MB small=$SMALL_FILES seed=$SEED"
      docker image inspect -f '{{.Id}}' "$BASE_IMAGE"
      lib_list | (cd "$LIB_SRC" && xargs -r -d '\n' stat -c '%n %s %Y')
    } | hash16
}

# Log-like text: syslog, nginx access and JSON application lines from a seeded PRNG (mawk's
# srand is deterministic for one awk binary), written until each file reaches its size.
gen_text_logs() { # DIR FILES BYTES_EACH
    mkdir -p "$1"
    awk -v dir="$1" -v files="$2" -v each="$3" -v seed="$(printf %s "$SEED" | cksum | cut -d' ' -f1)" 'BEGIN {
        srand(seed % 1000003)
        split("GET GET GET POST PUT DELETE", m, " ")
        split("/ /login /api/v1/items /api/v1/users /static/app.js /healthz /admin /search", u, " ")
        split("200 200 200 200 304 301 404 500 403", st, " ")
        split("sshd cron kernel systemd nginx app", pr, " ")
        split("accepted connection|session opened for user root|worker started|cache miss|retrying upstream|permission denied|disk usage above threshold", msg, "|")
        t = 1735689600
        for (f = 0; f < files; f++) {
            name = sprintf("%s/app-%02d.log", dir, f); n = 0
            while (n < each) {
                t += int(rand() * 3); r = rand()
                if (r < 0.4)
                    line = sprintf("10.%d.%d.%d - - [%d] \"%s %s/%d HTTP/1.1\" %s %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
                        int(rand()*255), int(rand()*255), int(rand()*255), t, m[1+int(rand()*6)], u[1+int(rand()*8)], int(rand()*100000), st[1+int(rand()*9)], int(rand()*65536))
                else if (r < 0.7)
                    line = sprintf("%d host-%02d %s[%d]: %s (seq %d)", t, int(rand()*16), pr[1+int(rand()*6)], int(rand()*32768), msg[1+int(rand()*7)], n)
                else
                    line = sprintf("{\"ts\":%d,\"level\":\"%s\",\"req\":\"%08x\",\"user\":%d,\"latency_ms\":%.3f,\"msg\":\"%s\"}",
                        t, (rand() < 0.9 ? "info" : "error"), int(rand()*2147483647), int(rand()*5000), rand()*900, msg[1+int(rand()*7)])
                print line > name; n += length(line) + 1
            }
            close(name)
        }
    }'
}

# Small text files (configs, JSON, scripts) of 200..4000 bytes, 100 per directory.
gen_small_files() { # DIR COUNT
    local dirs=$(( ($2 + 99) / 100 )) d
    for ((d = 0; d < dirs; d++)); do mkdir -p "$(printf '%s/d%03d' "$1" "$d")"; done
    awk -v dir="$1" -v count="$2" 'BEGIN {
        srand(777)
        for (i = 0; i < count; i++) {
            name = sprintf("%s/d%03d/f%05d.%s", dir, int(i / 100), i, (i % 3 == 0 ? "json" : (i % 3 == 1 ? "conf" : "sh")))
            size = 200 + int(rand() * 3800); n = 0
            while (n < size) {
                line = sprintf("key_%d_%d = \"%x-%x\" # entry %d of file %d", i, n, int(rand()*2147483647), int(rand()*65535), n, i)
                print line > name; n += length(line) + 1
            }
            close(name)
        }
    }'
}

build_fs_image() { # RECIPE
    local recipe=$1 dir="$WL_DIR/fs1g" rootfs cid old
    local text_mb=$(( FS_MB / 4 )) rand_mb=$(( FS_MB * 3 / 16 ))
    local text_files=$(( text_mb / 4 )) blob_mb=8
    [ "$text_files" -ge 1 ] || text_files=1
    log "workload 1: building $FS_IMAGE (recipe $recipe, ~$FS_MB MiB)"
    rm -rf "$dir"; rootfs="$dir/rootfs"; mkdir -p "$rootfs"
    # (a) the busybox rootfs of the rig's image, as the image itself holds it
    cid=$(docker create "$BASE_IMAGE")
    docker export "$cid" | tar -C "$rootfs" --numeric-owner -xf -
    docker rm "$cid" >/dev/null
    rm -f "$rootfs/.dockerenv"
    # (b) ELF libraries: half of the size
    mkdir -p "$rootfs$LIB_SRC"
    lib_list > "$dir/libs.list"
    tar -C "$LIB_SRC" --no-recursion --verbatim-files-from -T "$dir/libs.list" -cf - |
        tar -C "$rootfs$LIB_SRC" --numeric-owner -xf -
    # (c) text logs: a quarter, 4 MiB files
    gen_text_logs "$rootfs/var/log/bench" "$text_files" $(( text_mb * 1048576 / text_files ))
    # (d) incompressible blobs: 3/16, 8 MiB files (media, encrypted archives, packed binaries)
    mkdir -p "$rootfs/opt/blobs"
    local n=0 left=$(( rand_mb * 1048576 ))
    while [ "$left" -gt 0 ]; do
        local sz=$(( left < blob_mb * 1048576 ? left : blob_mb * 1048576 ))
        prng "blob-$n" "$sz" > "$(printf '%s/opt/blobs/blob-%03d.bin' "$rootfs" "$n")"
        left=$(( left - sz )); n=$(( n + 1 ))
    done
    # (e) the small files
    gen_small_files "$rootfs/srv/data" "$SMALL_FILES"
    # A fixed mtime everywhere we generated: same recipe, same image content.
    find "$rootfs/var/log/bench" "$rootfs/opt/blobs" "$rootfs/srv/data" -exec touch -h -d '2025-01-01 00:00:00Z' {} +
    old=$(docker image inspect -f '{{.Id}}' "$FS_IMAGE" 2>/dev/null || true)
    log "workload 1: importing $(du -sh --apparent-size "$rootfs" | cut -f1) into docker"
    tar --numeric-owner -C "$rootfs" -cf - . | docker import \
        --change "LABEL cfir.bench.recipe=$recipe" \
        --change 'CMD ["/bin/busybox","sleep","2147483647"]' \
        --message "cfir bench workload 1, recipe $recipe" - "$FS_IMAGE" >/dev/null
    rm -rf "$rootfs"
    # Best effort: the previous image stays while a container still uses it.
    [ -z "$old" ] || docker image rm "$old" >/dev/null 2>&1 || true
}

ensure_fs_image() {
    FS_RECIPE=$(fs_recipe)
    if [ "$(docker image inspect -f '{{index .Config.Labels "cfir.bench.recipe"}}' "$FS_IMAGE" 2>/dev/null || true)" = "$FS_RECIPE" ]; then
        log "workload 1: image $FS_IMAGE up to date (recipe $FS_RECIPE)"
    else
        build_fs_image "$FS_RECIPE"
    fi
    FS_IMAGE_ID=$(docker image inspect -f '{{.Id}}' "$FS_IMAGE")
}

ensure_fs_container() {
    local name=cfir-bench-fs1g recipe
    recipe=$(echo "rev=$WORKLOADS_REV $FS_IMAGE_ID" | hash16)
    if reusable "$name" "$recipe"; then log "workload 1: $name reused"; return; fi
    log "workload 1: starting $name"
    run_container "$name" fs1g "$recipe" "$FS_IMAGE" "${SLEEP[@]}"
    mark_ready "$name"
}

# ------------------------------------------------------------------------------ workload 2
# A compromise as responders find it: dropped tools and encrypted data (added), appended
# logs and edited accounts (changed: overlay copies the whole file up), removed libraries,
# a removed data directory and a removed config file (deleted: whiteouts).
ensure_layer_container() {
    local name=cfir-bench-layer50m recipe
    recipe=$(echo "rev=$WORKLOADS_REV $FS_IMAGE_ID layer=$LAYER_MB seed=$SEED" | hash16)
    if reusable "$name" "$recipe"; then log "workload 2: $name reused"; return; fi
    log "workload 2: starting $name and planting ~$LAYER_MB MiB"
    run_container "$name" layer50m "$recipe" "$FS_IMAGE" "${SLEEP[@]}"

    # changed: append to the first 4 text logs (4 x 4 MiB copied up at the default size)
    local changed
    changed=$(docker exec "$name" sh -c '
        set -e; n=0
        for f in $(ls /var/log/bench/*.log | head -n 4); do
            echo "Nov 22 03:12:01 host sshd[4242]: Accepted publickey for root from 203.0.113.7" >> "$f"
            n=$((n + $(wc -c < "$f")))
        done
        echo "backup:x:0:0:backup:/root:/bin/sh" >> /etc/passwd
        echo "backup:*:19000:0:99999:7:::" >> /etc/shadow
        echo $n')
    changed=$(( changed + 4096 ))

    # added: the rest of the layer, built on the host and streamed in with docker exec -i
    local added=$(( LAYER_MB * 1048576 - changed )) payload="$WL_DIR/layer50m-payload"
    [ "$added" -gt 1048576 ] || added=1048576
    rm -rf "$payload"
    mkdir -p "$payload/opt/.cache/kit" "$payload/var/tmp/.x" "$payload/root/.ssh" "$payload/etc/cron.d" "$payload/usr/local/bin"
    local rand_bytes=$(( added * 60 / 100 )) i=0
    while [ "$rand_bytes" -gt 0 ]; do   # 1.5 MiB pieces: dropped binaries, encrypted loot
        local sz=$(( rand_bytes < 1572864 ? rand_bytes : 1572864 ))
        prng "layer-$i" "$sz" > "$(printf '%s/opt/.cache/kit/part-%03d.bin' "$payload" "$i")"
        rand_bytes=$(( rand_bytes - sz )); i=$(( i + 1 ))
    done
    gen_text_logs "$payload/var/tmp/.x" 4 $(( added * 35 / 100 / 4 ))   # staged data
    gen_small_files "$payload/opt/.cache/kit/conf" 300
    prng miner 2097152 > "$payload/usr/local/bin/kworkerd"; chmod 755 "$payload/usr/local/bin/kworkerd"
    echo '* * * * * root /usr/local/bin/kworkerd >/dev/null 2>&1' > "$payload/etc/cron.d/kworker"
    echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench attacker@example' > "$payload/root/.ssh/authorized_keys"
    chmod 700 "$payload/root/.ssh"
    tar -C "$payload" --numeric-owner -cf - opt var/tmp/.x root/.ssh etc/cron.d usr/local/bin |
        docker exec -i "$name" tar -xf - -C /
    rm -rf "$payload"

    # deleted: 5 libraries, a data directory, a config file
    docker exec "$name" sh -c '
        set -e
        for f in $(find /usr/lib/x86_64-linux-gnu -type f -name "*.so*" | sort | head -n 5); do rm -f "$f"; done
        rm -rf /srv/data/d000 /etc/hosts.allow'
    mark_ready "$name"
}

# ------------------------------------------------------------------------------ workload 3
ensure_small_containers() {
    local recipe i name id made=0 ids
    local -A good=()
    recipe=$(echo "rev=$WORKLOADS_REV $(docker image inspect -f '{{.Id}}' "$BASE_IMAGE")" | hash16)
    # One inspect for all of them (50 separate CLI calls cost seconds): running, right
    # recipe, and completely started (ready file) = reused.
    ids=$(docker ps -q --filter label=cfir.bench=small50 --filter "label=cfir.bench.recipe=$recipe")
    if [ -n "$ids" ]; then
        while read -r name id; do
            name=${name#/}
            [ -f "$(ready_file "$name")" ] && [ "$(cat "$(ready_file "$name")")" = "$id" ] && good[$name]=1
        done < <(docker inspect -f '{{.Name}} {{.Id}}' $ids)
    fi
    for ((i = 1; i <= SMALL_CONTAINERS; i++)); do
        name=$(printf 'cfir-bench-small-%02d' "$i")
        [ -n "${good[$name]:-}" ] && continue
        run_container "$name" small50 "$recipe" "$BASE_IMAGE" "${SLEEP[@]}"
        mark_ready "$name"; made=$((made + 1))
    done
    # Containers of an earlier, larger count carry the label too: they would be collected.
    for name in $(docker ps -a --filter label=cfir.bench=small50 --format '{{.Names}}'); do
        i=${name#cfir-bench-small-}; i=$((10#$i))
        if [ "$i" -gt "$SMALL_CONTAINERS" ]; then docker rm -f "$name" >/dev/null; rm -f "$(ready_file "$name")"; fi
    done
    log "workload 3: $SMALL_CONTAINERS small containers ($made started now)"
}

# ------------------------------------------------------------------------------ workload 4
ensure_log_container() {
    local name=cfir-bench-logs500k recipe deadline
    recipe=$(echo "rev=$WORKLOADS_REV $(docker image inspect -f '{{.Id}}' "$BASE_IMAGE") lines=$LOG_LINES" | hash16)
    if reusable "$name" "$recipe"; then log "workload 4: $name reused"; return; fi
    log "workload 4: starting $name ($LOG_LINES lines to stdout)"
    # ~104 bytes a line; the marker file says the last line was written.
    run_container "$name" logs500k "$recipe" "$BASE_IMAGE" sh -c '
        awk -v n="$0" "BEGIN { for (i = 1; i <= n; i++) printf \"%07d 2026-01-01T00:%02d:%02d.%06dZ INFO  app[%d] GET /api/v1/items/%d status=200 bytes=%d dur_ms=%d\\n\", i, (i / 60000) % 60, (i / 1000) % 60, i % 1000000, 4000 + i % 7, i * 7 % 100000, 1000 + i % 50000, i % 997 }"
        touch /tmp/.written; exec /bin/busybox sleep 2147483647' "$LOG_LINES"
    deadline=$(( $(date +%s) + 900 ))
    until docker exec "$name" test -e /tmp/.written 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || die "$name did not finish writing its log in 900 s"
        sleep 1
    done
    # The daemon copies stdout into the log file asynchronously: wait until it stops growing.
    local logpath size=-1 now
    logpath=$(docker inspect -f '{{.LogPath}}' "$name")
    while now=$(stat -c %s "$logpath"); [ "$now" != "$size" ]; do size=$now; sleep 1; done
    mark_ready "$name"
}

# ------------------------------------------------------------------------------ workload 5
# The files are written by busybox awk inside the container (one process, no fork per file):
# they land directly in the writable layer.
ensure_files_container() {
    local name=cfir-bench-files100k recipe
    recipe=$(echo "rev=$WORKLOADS_REV $(docker image inspect -f '{{.Id}}' "$BASE_IMAGE") files=$LAYER_FILES" | hash16)
    if reusable "$name" "$recipe"; then log "workload 5: $name reused"; return; fi
    log "workload 5: starting $name ($LAYER_FILES files of 1 KiB)"
    run_container "$name" files100k "$recipe" "$BASE_IMAGE" "${SLEEP[@]}"
    docker exec "$name" awk -v n="$LAYER_FILES" 'BEGIN {
        dirs = int((n + 999) / 1000)
        for (d = 0; d < dirs; d += 100) {
            cmd = "mkdir -p"
            for (e = d; e < d + 100 && e < dirs; e++) cmd = cmd sprintf(" /data/files/d%03d", e)
            if (system(cmd) != 0) exit 1
        }
        pad = "0123456789abcdef"; while (length(pad) < 1024) pad = pad pad
        for (i = 0; i < n; i++) {
            f = sprintf("/data/files/d%03d/f%06d.txt", int(i / 1000), i)
            printf "%s\n", substr(sprintf("file %06d %s", i, pad), 1, 1023) > f
            close(f)
        }
    }'
    mark_ready "$name"
}

# ------------------------------------------------------------------------------ facts
# KEY=VALUE lines run.sh reads: the paths the manual pipelines use and the input sizes that
# MB/s is computed from (bytes of regular files, apparent size).
# Content bytes: a hard-linked file counts once (every tool here stores it once).
file_bytes() { find "$1" -xdev -type f -printf '%D %i %s\n' 2>/dev/null | sort -u -k1,2 | awk '{s += $3} END {printf "%d\n", s}'; }
file_count() { find "$1" -xdev -type f 2>/dev/null | wc -l; }
facts() {
    local c
    for c in cfir-bench-fs1g cfir-bench-layer50m cfir-bench-files100k; do
        running "$c" || die "$c is not running (run: bench/workloads.sh up)"
    done
    local merged upper
    merged=$(docker inspect -f '{{.GraphDriver.Data.MergedDir}}' cfir-bench-fs1g)
    echo "FS1G_MERGED=$merged"
    echo "FS1G_BYTES=$(file_bytes "$merged")"
    echo "FS1G_FILES=$(file_count "$merged")"
    upper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' cfir-bench-layer50m)
    echo "LAYER_UPPER=$upper"
    echo "LAYER_MERGED=$(docker inspect -f '{{.GraphDriver.Data.MergedDir}}' cfir-bench-layer50m)"
    echo "LAYER_BYTES=$(file_bytes "$upper")"
    echo "LAYER_FILES=$(file_count "$upper")"
    upper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' cfir-bench-files100k)
    echo "FILES_UPPER=$upper"
    echo "FILES_BYTES=$(file_bytes "$upper")"
    echo "FILES_FILES=$(file_count "$upper")"
    local logpath
    logpath=$(docker inspect -f '{{.LogPath}}' cfir-bench-logs500k)
    echo "LOGS_PATH=$logpath"
    echo "LOGS_BYTES=$(stat -c %s "$logpath")"
    echo "LOGS_LINES=$LOG_LINES"
    echo "SMALL_COUNT=$(docker ps -q --filter label=cfir.bench=small50 | wc -l)"
}

down() {
    local ids
    ids=$(docker ps -aq --filter label=cfir.bench)
    [ -z "$ids" ] || docker rm -f $ids >/dev/null
    docker image rm "$FS_IMAGE" >/dev/null 2>&1 || true
    rm -rf "$WL_DIR"
    log "removed the cfir-bench containers and $FS_IMAGE"
}

cmd="${1:-up}"
case "$cmd" in
    up)
        docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "$BASE_IMAGE missing: run scripts/rig/up.sh first"
        mkdir -p "$WL_DIR"
        ensure_fs_image
        ensure_fs_container
        ensure_layer_container
        ensure_small_containers
        ensure_log_container
        ensure_files_container
        facts
        ;;
    facts) facts ;;
    down) down ;;
    *) die "unknown command '$cmd' (up, facts, down)" ;;
esac
