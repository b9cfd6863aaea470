#!/usr/bin/env bash
# scripts/rig/down.sh — tear down what scripts/rig/up.sh started. Idempotent.
#
#   1. removes containers the tests left behind (name/id starting with "cfir-test-") in
#      docker, podman and every containerd namespace except "moby" (Docker owns those;
#      they are removed through Docker); the nested rig's nodes (cfir-test-node-*,
#      cfir-test-dind-*, labelled org.cfir.rig.nested) go with their anonymous volumes, and
#      everything nested in them with their pid namespaces and cgroups;
#   2. stops only the daemons whose pids up.sh recorded in $CFIR_RIG_DIR (SIGTERM, then
#      SIGKILL after a grace period), in reverse start order: podman, dockerd, containerd.
#      Engines that were already running before up.sh (e.g. systemd units) are left alone.
# Images, volumes and engine storage are kept, so the next up.sh is fast.
#
# Usage (as root): scripts/rig/down.sh
# Knobs: CFIR_RIG_DIR (default /run/cfir-rig), CFIR_RIG_STOP_TIMEOUT (default 30 s).
set -euo pipefail

RIG_DIR="${CFIR_RIG_DIR:-/run/cfir-rig}"
STOP_TIMEOUT="${CFIR_RIG_STOP_TIMEOUT:-30}"
PREFIX=cfir-test-

CONTAINERD_SOCK=/run/containerd/containerd.sock
DOCKER_SOCK=/var/run/docker.sock
PODMAN_SOCK=/run/podman/podman.sock

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
unset DOCKER_HOST DOCKER_CONTEXT CONTAINER_HOST CONTAINER_CONNECTION CONTAINERD_ADDRESS \
      CONTAINERD_NAMESPACE || true

log() { printf '[rig] %s\n' "$*" >&2; }
die() { printf '[rig] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"

if [ -d "$RIG_DIR" ]; then
    # Same lock as up.sh: never tear down while an up.sh is half-way.
    exec 9>"$RIG_DIR/lock"
    flock -w 300 9 || die "could not take lock $RIG_DIR/lock within 300 s"
fi

if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker || echo docker); fi
DOCKER=("$DOCKER" --host "unix://$DOCKER_SOCK")   # array: safe word splitting
CTR=(ctr --address "$CONTAINERD_SOCK")

http_ping() { [ -S "$1" ] && [ "$(curl -s -m 5 --unix-socket "$1" http://d/_ping 2>/dev/null || true)" = OK ]; }

# ---------------------------------------------------------------------------- containers
# Best effort throughout: a leftover container must not stop the daemons from going down.
if http_ping "$DOCKER_SOCK"; then
    # By name, and by label for the nested rig's nodes whatever their name.
    ids=$( { "${DOCKER[@]}" ps -aq --filter "name=^/?$PREFIX" 2>/dev/null
             "${DOCKER[@]}" ps -aq --filter "label=org.cfir.rig.nested" 2>/dev/null; } | sort -u || true)
    if [ -n "$ids" ]; then
        log "docker: removing $(echo "$ids" | wc -l) test container(s)"
        # shellcheck disable=SC2086
        "${DOCKER[@]}" rm -f -v $ids >/dev/null || log "docker: some removals failed"
    fi
fi

if command -v podman >/dev/null 2>&1; then
    # Local podman works on the same storage whether or not the API service runs. Use the
    # rig's config so the same runtime/cgroup settings apply.
    pconf=()
    [ -f "$RIG_DIR/containers.conf" ] && pconf=(env "CONTAINERS_CONF=$RIG_DIR/containers.conf")
    ids=$("${pconf[@]}" podman ps -aq --filter "name=^$PREFIX" 2>/dev/null || true)
    if [ -n "$ids" ]; then
        log "podman: removing $(echo "$ids" | wc -l) test container(s)"
        # shellcheck disable=SC2086
        "${pconf[@]}" podman rm -f -v -t 0 $ids >/dev/null || log "podman: some removals failed"
    fi
    pods=$("${pconf[@]}" podman pod ps -q --filter "name=^$PREFIX" 2>/dev/null || true)
    if [ -n "$pods" ]; then
        # shellcheck disable=SC2086
        "${pconf[@]}" podman pod rm -f -t 0 $pods >/dev/null || log "podman: some pod removals failed"
    fi
fi

if [ -S "$CONTAINERD_SOCK" ] && timeout 5 "${CTR[@]}" version >/dev/null 2>&1; then
    for ns in $("${CTR[@]}" namespaces ls -q 2>/dev/null); do
        [ "$ns" = moby ] && continue   # Docker's own; handled above through the Docker API
        for id in $("${CTR[@]}" -n "$ns" containers ls -q 2>/dev/null | grep "^$PREFIX" || true); do
            log "containerd[$ns]: removing $id"
            # A task (running process) must be gone before its container can be deleted.
            if "${CTR[@]}" -n "$ns" tasks ls -q 2>/dev/null | grep -qxF "$id"; then
                # Paused tasks cannot receive SIGKILL until thawed.
                "${CTR[@]}" -n "$ns" tasks resume "$id" >/dev/null 2>&1 || true
                "${CTR[@]}" -n "$ns" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
                for _ in $(seq 1 50); do
                    st=$("${CTR[@]}" -n "$ns" tasks ls 2>/dev/null | awk -v id="$id" '$1==id {print $3}')
                    [ -z "$st" ] || [ "$st" = STOPPED ] && break
                    sleep 0.1
                done
                "${CTR[@]}" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
            fi
            # Also removes the container's snapshot (rootfs upper layer).
            "${CTR[@]}" -n "$ns" containers delete "$id" >/dev/null 2>&1 ||
                log "containerd[$ns]: could not delete $id"
        done
    done
fi

# ---------------------------------------------------------------------------- daemons
containerd_up() { [ -S "$CONTAINERD_SOCK" ] && timeout 5 "${CTR[@]}" version >/dev/null 2>&1; }
docker_up()     { http_ping "$DOCKER_SOCK"; }
podman_up()     { http_ping "$PODMAN_SOCK"; }

# stop_daemon NAME CHECKFN: NAME is also the expected /proc/PID/comm, which guards against
# recycled pids.
stop_daemon() {
    local name=$1 check=$2 f="$RIG_DIR/$1.pid" pid
    if [ ! -f "$f" ]; then
        if $check; then log "$name: running but not started by the rig; left alone"
        else log "$name: not running"; fi
        return 0
    fi
    pid=$(cat "$f")
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null ||
       [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$name" ]; then
        log "$name: recorded pid ${pid:-?} no longer running"
        rm -f "$f"
        return 0
    fi
    log "$name: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "$name: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
    done
    rm -f "$f"
}

# Reverse order: dockerd needs containerd to stop its containers cleanly.
stop_daemon podman podman_up
stop_daemon dockerd docker_up
stop_daemon containerd containerd_up

log "rig down (images and engine storage kept; scripts/rig/up.sh brings it back)"
