#!/usr/bin/env bash
# scripts/rig/up.sh — bring up the real-engine test rig for ContainerForensics (cfir).
#
# What it does (idempotent; a second run restarts nothing and takes ~1 s):
#   1. installs the missing Debian 12 packages (docker.io, containerd, runc, podman,
#      busybox-static and the tools the tests shell out to);
#   2. starts, only if its socket does not already answer:
#        a. a standalone containerd (default config, CRI plugin included)
#             -> /run/containerd/containerd.sock
#        b. dockerd --iptables=false --bridge=none using that containerd, so Docker's
#           containers are visible in containerd namespace "moby"
#             -> /var/run/docker.sock
#        c. podman's Docker-compatible API service
#             -> /run/podman/podman.sock
#      Daemons run detached (setsid/nohup), log to /var/log/cfir-rig/, and their pids are
#      recorded in $CFIR_RIG_DIR so that scripts/rig/down.sh stops only what we started;
#   3. builds the test image cfir-test/busybox:latest from busybox-static (no registry
#      needed) and loads it into docker, podman and containerd namespaces default + k8s.io,
#      and the CRI sandbox image (registry.k8s.io/pause:3.6, a sleeping busybox) into k8s.io;
#   4. builds the nested-runtime rig's images (scripts/rig/nested-images.sh, issue 15) from
#      this host's own binaries: cfir-test/kind-node:latest (containerd with its CRI plugin, ctr,
#      runc, CNI plugins, as a kind node) and cfir-test/dind:latest (dockerd, Docker-in-Docker).
#      The tests start them as kind starts its nodes (without --privileged, which needs
#      CAP_SYS_RESOURCE: every capability but that one, unconfined, the host's cgroup tree,
#      --network none) through tests/ContainerForensics.TestSupport/Nested/, and reach the inner
#      daemon at /proc/<node pid>/root/run/containerd/containerd.sock (/run/docker.sock);
#   5. writes $CFIR_RIG_DIR/env (export lines the tests source) and prints it.
#
# Usage (as root):  scripts/rig/up.sh          Stop again with: scripts/rig/down.sh
#   (down.sh also removes nested nodes: they are named cfir-test-node-*/cfir-test-dind-* and
#   labelled org.cfir.rig.nested; everything nested dies with its node)
# Knobs (environment):
#   CFIR_RIG_DIR          state dir (pids, env file, podman config)   default /run/cfir-rig
#   CFIR_RIG_LOG_DIR      daemon logs                                 default /var/log/cfir-rig
#   CFIR_RIG_TIMEOUT      seconds to wait for each socket             default 60
#   CFIR_RIG_SKIP_INSTALL=1  never call apt-get (fail if something is missing)
set -euo pipefail

# ---------------------------------------------------------------------------- settings
RIG_DIR="${CFIR_RIG_DIR:-/run/cfir-rig}"
LOG_DIR="${CFIR_RIG_LOG_DIR:-/var/log/cfir-rig}"
TIMEOUT="${CFIR_RIG_TIMEOUT:-60}"

CONTAINERD_SOCK=/run/containerd/containerd.sock
DOCKER_SOCK=/var/run/docker.sock
PODMAN_SOCK=/run/podman/podman.sock

IMAGE=cfir-test/busybox:latest
# Bump when the rootfs recipe below changes: images carrying another revision label are
# rebuilt and re-imported everywhere (together with the busybox binary's hash).
IMAGE_REV=1
CONTAINERD_NAMESPACES="default k8s.io"
# The CRI plugin's sandbox ("pause") image: containerd 1.6's default sandbox_image. It is
# built here from the same busybox rootfs (its entrypoint sleeps) and imported into k8s.io,
# so RunPodSandbox never pulls. Override when the containerd config names another one.
PAUSE_IMAGE="${CFIR_RIG_PAUSE_IMAGE:-registry.k8s.io/pause:3.6}"
# The nested rig's images (scripts/rig/nested-images.sh builds them).
KIND_NODE_IMAGE=cfir-test/kind-node:latest
DIND_IMAGE=cfir-test/dind:latest

# Packages: the engines plus what the integration tests shell out to.
#   curl      -> we probe the API sockets with it (curl --unix-socket)
#   util-linux-> flock, setsid, unshare (a process in its own pid namespace: nested-runtime tests)
#   procps -> ps/pgrep;  gdb -> gcore for memory capture tests
#   socat     -> a tcp proxy to dockerd and a listener in another pid namespace (locality tests)
#   netcat-openbsd -> talking to unix sockets by hand while debugging
#   kubernetes-client -> kubectl, the real client the Kubernetes stand-in is checked against
PACKAGES="docker.io containerd runc podman busybox-static iproute2 gdb tar coreutils \
unzip zip procps socat netcat-openbsd curl ca-certificates util-linux gzip kubernetes-client"
#   age, openssh-client -> age, age-keygen, ssh-keygen, ssh-agent, ssh-add: the oracles of --encrypt-to and --sign-key
PACKAGES="$PACKAGES age openssh-client"
#   sleuthkit -> mactime, which reads the bodyfile of cfir timeline
PACKAGES="$PACKAGES sleuthkit"
#   chromium, chromium-driver -> the headless browser that opens the HTML of cfir report (--dump-dom)
PACKAGES="$PACKAGES chromium chromium-driver"

# Daemons need /usr/sbin (dockerd, runc) even when we are run from a user shell or sudo
# with a reduced PATH. /usr/local/bin stays first only for tools we do not pin below.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
# A caller's DOCKER_HOST / CONTAINER_HOST / CONTAINERD_ADDRESS must not redirect the rig's
# own client calls to some other engine.
unset DOCKER_HOST DOCKER_CONTEXT CONTAINER_HOST CONTAINER_CONNECTION CONTAINERD_ADDRESS \
      CONTAINERD_NAMESPACE || true

log()  { printf '[rig] %s\n' "$*" >&2; }
die()  { printf '[rig] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"

mkdir -p "$RIG_DIR" "$LOG_DIR"
chmod 755 "$RIG_DIR"

# Serialise concurrent up.sh/down.sh runs (e.g. two test sessions starting at once).
exec 9>"$RIG_DIR/lock"
flock -w 300 9 || die "could not take lock $RIG_DIR/lock within 300 s"

START_TS=$(date +%s)

# ---------------------------------------------------------------------------- packages
pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

install_packages() {
    local missing="" p
    for p in $PACKAGES; do
        # A kubectl from another package (e.g. Google's "kubectl", which owns /usr/bin/kubectl)
        # serves as well, and kubernetes-client would not install over it: dpkg refuses to
        # overwrite another package's file.
        if [ "$p" = kubernetes-client ] && command -v kubectl >/dev/null 2>&1; then continue; fi
        pkg_installed "$p" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    [ "${CFIR_RIG_SKIP_INSTALL:-0}" = 1 ] && die "missing packages:$missing (CFIR_RIG_SKIP_INSTALL=1)"
    log "installing:$missing"

    # Without systemd as PID 1, apt would start docker/containerd through their SysV init
    # scripts with Debian's default flags (iptables on, docker0 bridge). That daemon would
    # then squat the sockets and the rig could not start its own, differently configured
    # one. A temporary policy-rc.d (exit 101 = "action forbidden") stops that. On systemd
    # machines we let the units start: up.sh then simply reuses the answering sockets.
    local policy_created=0
    if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created=1
        # shellcheck disable=SC2064
        trap "rm -f /usr/sbin/policy-rc.d" EXIT
    fi

    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    # NEEDRESTART_*: keep needrestart (if installed) from prompting or restarting services.
    NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=l apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing

    if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
}

install_packages

# Prefer Debian's docker CLI: it matches the daemon; /usr/local/bin/docker (if any) may be
# a newer CLI that only works thanks to API version negotiation.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker) || die "docker CLI not found"; fi
DOCKER=("$DOCKER" --host "unix://$DOCKER_SOCK")   # array: safe word splitting
CTR=(ctr --address "$CONTAINERD_SOCK")
BUSYBOX=/bin/busybox   # from busybox-static: statically linked, so it runs in an empty rootfs
file_is_static() { ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }
if [ ! -x "$BUSYBOX" ] || ! file_is_static "$BUSYBOX"; then die "$BUSYBOX missing or not static (need busybox-static)"; fi

# Podman config for the rig, passed to the API service via CONTAINERS_CONF (we do not touch
# /etc/containers). WHY each line:
#  * default_ulimits: rootful podman sets RLIMIT_NOFILE/NPROC to 1048576 in every container
#    unless told otherwise. On hosts where our hard limits are lower and we lack
#    CAP_SYS_RESOURCE (this Firecracker VM: nofile 20000, no CAP_SYS_RESOURCE) runc then
#    fails with "error setting rlimit type 7: operation not permitted". The service applies
#    these defaults to compat-API and libpod-API creates alike, so tests need no --ulimit.
#  * cgroup_manager/events_logger/log_driver: there is no systemd/journald here; podman
#    autodetects this, but being explicit keeps behaviour identical on every host.
#  * runtime=runc: crun is not installed by Debian's podman when runc satisfies the dep.
write_podman_conf() {
    local conf="$RIG_DIR/containers.conf" cgm=cgroupfs
    [ -d /run/systemd/system ] && cgm=systemd
    cat > "$conf.tmp" <<EOF
# Generated by scripts/rig/up.sh for the cfir test rig's podman service.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "$cgm"
events_logger = "file"
runtime = "runc"
EOF
    mv -f "$conf.tmp" "$conf"
}

# ---------------------------------------------------------------------------- daemons
# Does the API behind a socket answer? (a stale socket file from a killed daemon does not)
containerd_up() { [ -S "$CONTAINERD_SOCK" ] && timeout 5 "${CTR[@]}" version >/dev/null 2>&1; }
http_ping()     { [ -S "$1" ] && [ "$(curl -s -m 5 --unix-socket "$1" http://d/_ping 2>/dev/null || true)" = OK ]; }
docker_up()     { http_ping "$DOCKER_SOCK"; }
podman_up()     { http_ping "$PODMAN_SOCK"; }

# Pid recorded by us and still alive? The process name must still be NAME (containerd,
# dockerd, podman) so that a recycled pid is never mistaken for our daemon.
recorded_pid() {
    local f="$RIG_DIR/$1.pid" pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}

# Last lines the daemon wrote since its most recent start banner (the log is appended to
# across runs; older runs would only confuse the error report).
log_tail() {
    awk '/^===== .* starting / {n = 0} {buf[++n] = $0} END {s = n > 30 ? n - 29 : 1; for (i = s; i <= n; i++) print buf[i]}' "$1" >&2 || true
}

# start_daemon NAME SOCKET CHECKFN [ENV=VAL ...] -- CMD ARGS...
start_daemon() {
    local name=$1 sock=$2 check=$3; shift 3
    local envs=() pid
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift

    if $check; then
        if pid=$(recorded_pid "$name"); then log "$name: already running (pid $pid, started by rig)"
        else log "$name: already answering on $sock (not started by the rig; left alone)"; fi
        return 0
    fi

    local logf="$LOG_DIR/$name.log"
    if pid=$(recorded_pid "$name"); then
        # Our daemon is alive but not answering yet (maybe still starting): wait for it
        # instead of starting a second instance.
        log "$name: rig pid $pid alive but $sock not answering yet; waiting"
    else
        # Nothing answers: any socket file left is stale (daemon was SIGKILLed), remove it
        # so the new daemon can bind.
        rm -f "$sock"
        mkdir -p "$(dirname "$sock")"
        printf '\n===== %s starting %s: %s\n' "$(date -Is)" "$name" "$*" >> "$logf"
        # setsid: own session, survives the calling shell/CI step and is not hit by its
        # SIGINT/SIGHUP. nohup: belt and braces for SIGHUP. In a non-interactive script the
        # background child is not a process-group leader, so setsid/nohup just exec and $!
        # is the daemon's own pid.
        # 9>&-: the daemon must not inherit our lock fd, or it would hold the lock forever.
        # env -C /: the daemons outlive the checkout that started them; podman's conmon fails
        # every container ("Failed to get working directory") once its service's cwd is deleted.
        env -C / "${envs[@]}" setsid nohup "$@" </dev/null >>"$logf" 2>&1 9>&- &
        pid=$!
        echo "$pid" > "$RIG_DIR/$name.pid"
        log "$name: started pid $pid (log $logf)"
    fi

    local deadline=$(( $(date +%s) + TIMEOUT ))
    until $check; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$RIG_DIR/$name.pid"
            log "$name: process $pid exited before $sock answered; last log lines:"
            log_tail "$logf"
            die "$name failed to start"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "$name: $sock did not answer within ${TIMEOUT}s; last log lines:"
            log_tail "$logf"
            die "$name did not come up (pid $pid left running; scripts/rig/down.sh stops it)"
        fi
        sleep 0.2
    done
    log "$name: ready on $sock"
}

# (a) containerd with the rig's own config (Debian's /etc/containerd/config.toml plus one
# setting), CRI plugin included:
#  * restrict_oom_score_adj = true: the CRI plugin gives every pod sandbox oom_score_adj
#    -998, and lowering it needs CAP_SYS_RESOURCE, which this VM does not give root (runc
#    then fails with "can't get final child's PID from pipe"). Restricted, the CRI plugin
#    never asks for less than containerd's own value, as for rootless containerd.
write_containerd_conf() {
    cat > "$CONTAINERD_CONF.tmp" <<'EOF'
# Generated by scripts/rig/up.sh for the cfir test rig's containerd.
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
EOF
    mv -f "$CONTAINERD_CONF.tmp" "$CONTAINERD_CONF"
}
CONTAINERD_CONF="$RIG_DIR/containerd.toml"
write_containerd_conf
CONTAINERD_CONF_SHA=$(sha256sum "$CONTAINERD_CONF" | cut -c1-64)
# A containerd the rig started earlier with another config (or none) is restarted once so
# the setting applies; its containers keep running (each has its own shim) and dockerd
# reconnects. One the rig did not start is left alone, with a warning.
if containerd_up; then
    if pid=$(recorded_pid containerd); then
        if [ "$(cat "$RIG_DIR/containerd.conf.sha" 2>/dev/null || true)" != "$CONTAINERD_CONF_SHA" ]; then
            log "containerd: rig pid $pid runs with an older config; restarting it"
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && die "containerd pid $pid did not stop within 30 s"
            rm -f "$RIG_DIR/containerd.pid"
        fi
    else
        log "WARNING: containerd on $CONTAINERD_SOCK was not started by the rig: CRI pod tests need restrict_oom_score_adj = true where root lacks CAP_SYS_RESOURCE"
    fi
fi
start_daemon containerd "$CONTAINERD_SOCK" containerd_up -- \
    containerd --config "$CONTAINERD_CONF" --address "$CONTAINERD_SOCK"
if recorded_pid containerd >/dev/null; then echo "$CONTAINERD_CONF_SHA" > "$RIG_DIR/containerd.conf.sha"; fi

# CRI is needed by the k8s.io-namespace tests; a config such as docker-ce's containerd.io
# ("disabled_plugins = [\"cri\"]") would silently drop it. Warn, do not fail.
if ! "${CTR[@]}" plugins ls 2>/dev/null | awk '$2=="cri" && $4=="ok" {f=1} END {exit !f}'; then
    log "WARNING: containerd CRI plugin is not loaded (check disabled_plugins in /etc/containerd/config.toml)"
fi

# (b) dockerd on the external containerd.
#   --iptables=false --bridge=none: no NAT/bridge setup (nothing to clean up, no kernel
#     netfilter dependency); containers get only loopback, which is all tests need.
#   --containerd=...: Docker's containers then appear in containerd namespace "moby",
#     which lets tests see the same container through both APIs.
#   native.cgroupdriver=cgroupfs: there is no systemd to delegate cgroups to.
start_daemon dockerd "$DOCKER_SOCK" docker_up -- \
    dockerd --host "unix://$DOCKER_SOCK" \
            --containerd="$CONTAINERD_SOCK" --containerd-namespace=moby \
            --iptables=false --bridge=none \
            --exec-opt native.cgroupdriver="$( [ -d /run/systemd/system ] && echo systemd || echo cgroupfs )"

# (c) podman's Docker-compatible (and libpod) REST API. --time=0: never exit when idle.
write_podman_conf
start_daemon podman "$PODMAN_SOCK" podman_up "CONTAINERS_CONF=$RIG_DIR/containers.conf" -- \
    podman system service --time=0 "unix://$PODMAN_SOCK"

# ---------------------------------------------------------------------------- images
BUSYBOX_SHA=$(sha256sum "$BUSYBOX" | cut -c1-16)
WANT_REV="$IMAGE_REV-$BUSYBOX_SHA"

# containerd normalises "cfir-test/busybox:latest" the Docker way: docker.io/<name>.
containerd_name() {
    local n=$1 first=${1%%/*}
    case "$n" in
        */*) case "$first" in *.*|*:*|localhost) ;; *) n="docker.io/$n" ;; esac ;;
        *)   n="docker.io/library/$n" ;;
    esac
    echo "$n"
}
CONTAINERD_IMAGE=$(containerd_name "$IMAGE")

build_rootfs() {
    local r=$1 applet
    mkdir -p "$r/bin"
    cp "$BUSYBOX" "$r/bin/busybox"
    # One symlink per applet at its canonical place (bin/sh, usr/bin/awk, sbin/ip ...).
    # Not "busybox --install -s DIR": that would point every link at the *host* path of
    # the running binary and put all applets flat into DIR.
    for applet in $("$BUSYBOX" --list-full); do
        [ "$applet" = linuxrc ] && continue
        mkdir -p "$r/$(dirname "$applet")"
        [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
    done
    mkdir -p "$r"/{dev,proc,sys,run,mnt,opt,srv,home,root,etc,usr/local/bin,var/log,var/www,var/spool,var/lib}
    install -d -m 1777 "$r/tmp" "$r/var/tmp"
    chmod 700 "$r/root"
    cat > "$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/sbin/nologin
bin:x:2:2:bin:/bin:/sbin/nologin
www-data:x:33:33:www-data:/var/www:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
    cat > "$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
tty:x:5:
www-data:x:33:
nogroup:x:65534:
EOF
    cat > "$r/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bin:*:19000:0:99999:7:::
www-data:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
    chmod 640 "$r/etc/shadow"
    cat > "$r/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
EOF
    # Present so that tests/samples can delete or modify well-known files and see a diff.
    echo 'ALL: LOCAL' > "$r/etc/hosts.allow"
    echo cfir-test > "$r/etc/hostname"
    : > "$r/etc/resolv.conf"
    cat > "$r/etc/os-release" <<'EOF'
NAME="cfir test image"
ID=cfir-test
PRETTY_NAME="cfir test image (busybox-static)"
VERSION_ID="1"
EOF
    echo '<html><body>cfir test</body></html>' > "$r/var/www/index.html"
}

docker_image_rev() { "${DOCKER[@]}" image inspect -f '{{index .Config.Labels "org.cfir.rig.rev"}}' "$IMAGE" 2>/dev/null || true; }

ensure_docker_image() {
    if [ "$(docker_image_rev)" = "$WANT_REV" ]; then
        log "image: $IMAGE present in docker"
        return 0
    fi
    log "image: building $IMAGE from $BUSYBOX"
    local tmp
    # Remember the outdated image so its leftovers can be dropped after the re-import.
    OLD_IMAGE_ID=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    tmp=$(mktemp -d)
    build_rootfs "$tmp/rootfs"
    # No registry: import a flat rootfs tarball. --numeric-owner keeps uid/gid 0.
    tar --numeric-owner -C "$tmp/rootfs" -c . | "${DOCKER[@]}" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'WORKDIR /' \
        --change 'CMD ["/bin/sh"]' \
        --change "LABEL org.cfir.rig.rev=$WANT_REV" \
        --message "cfir test rig image rev $WANT_REV" \
        - "$IMAGE" >/dev/null
    rm -rf "$tmp"
}

podman_local() { CONTAINERS_CONF="$RIG_DIR/containers.conf" podman "$@"; }

ensure_podman_image() {
    local want have
    want=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$IMAGE"); want=${want#sha256:}
    have=$(podman_local image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    if [ "$have" = "$want" ]; then log "image: $IMAGE present in podman"; return 0; fi
    log "image: loading $IMAGE into podman"
    # Same image ID as in docker. Podman stores it as localhost/cfir-test/busybox:latest;
    # short name "cfir-test/busybox:latest" resolves to it for podman run and compat API.
    "${DOCKER[@]}" save "$IMAGE" | podman_local load -q >/dev/null
    have=$(podman_local image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    [ "$have" = "$want" ] || die "podman load of $IMAGE did not produce image $want (got '$have')"
}

ensure_containerd_image() {
    local ns=$1 cfg
    cfg=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$IMAGE")
    # Present = the name exists and its config blob is the current docker image's config.
    if "${CTR[@]}" -n "$ns" images ls -q | grep -qxF "$CONTAINERD_IMAGE" &&
       "${CTR[@]}" -n "$ns" content ls -q 2>/dev/null | grep -qxF "$cfg"; then
        log "image: $CONTAINERD_IMAGE present in containerd namespace $ns"
        return 0
    fi
    log "image: importing $IMAGE into containerd namespace $ns"
    # Drop an outdated image of the same name first, otherwise import keeps the old one.
    "${CTR[@]}" -n "$ns" images rm "$CONTAINERD_IMAGE" >/dev/null 2>&1 || true
    # import unpacks into the default (overlayfs) snapshotter, which is also what CRI uses.
    "${DOCKER[@]}" save "$IMAGE" | "${CTR[@]}" -n "$ns" images import - >/dev/null
    if ! "${CTR[@]}" -n "$ns" images ls -q | grep -qxF "$CONTAINERD_IMAGE"; then
        "${CTR[@]}" -n "$ns" images ls >&2 || true
        die "expected $CONTAINERD_IMAGE in containerd namespace $ns after import"
    fi
}

# After a rebuild the previous image lingers untagged: <none> in docker and podman, and as
# the "sha256:<id>" reference the CRI plugin adds in k8s.io. Best effort: an image still
# used by a container stays.
drop_old_image() {
    local old=$1 ns
    [ -n "$old" ] || return 0
    log "image: removing outdated ${old:7:12}"
    "${DOCKER[@]}" image rm "$old" >/dev/null 2>&1 || true
    podman_local image rm "${old#sha256:}" >/dev/null 2>&1 || true
    for ns in $CONTAINERD_NAMESPACES; do
        "${CTR[@]}" -n "$ns" images rm "$old" >/dev/null 2>&1 || true
    done
}

# The pause image: the test image with an entrypoint that sleeps. The CRI plugin kills the
# sandbox with SIGKILL on StopPodSandbox, so a plain sleep is enough. Pods use the host
# network in the tests, so no CNI plugin is needed.
ensure_pause_image() {
    local rev have cfg
    rev="pause-$WANT_REV"
    have=$("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "org.cfir.rig.rev"}}' "$PAUSE_IMAGE" 2>/dev/null || true)
    if [ "$have" != "$rev" ]; then
        log "image: building $PAUSE_IMAGE from $IMAGE"
        printf 'FROM %s\nENTRYPOINT ["/bin/sleep", "2147483647"]\nCMD []\nLABEL org.cfir.rig.rev=%s\n' "$IMAGE" "$rev" |
            "${DOCKER[@]}" build -q -t "$PAUSE_IMAGE" - >/dev/null
    fi
    cfg=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$PAUSE_IMAGE")
    if "${CTR[@]}" -n k8s.io images ls -q | grep -qxF "$PAUSE_IMAGE" &&
       "${CTR[@]}" -n k8s.io content ls -q 2>/dev/null | grep -qxF "$cfg"; then
        log "image: $PAUSE_IMAGE present in containerd namespace k8s.io"
        return 0
    fi
    log "image: importing $PAUSE_IMAGE into containerd namespace k8s.io"
    "${CTR[@]}" -n k8s.io images rm "$PAUSE_IMAGE" >/dev/null 2>&1 || true
    "${DOCKER[@]}" save "$PAUSE_IMAGE" | "${CTR[@]}" -n k8s.io images import - >/dev/null
    "${CTR[@]}" -n k8s.io images ls -q | grep -qxF "$PAUSE_IMAGE" ||
        die "expected $PAUSE_IMAGE in containerd namespace k8s.io after import"
}

OLD_IMAGE_ID=""
ensure_docker_image
ensure_podman_image
for ns in $CONTAINERD_NAMESPACES; do ensure_containerd_image "$ns"; done
drop_old_image "$OLD_IMAGE_ID"
ensure_pause_image
# From the test image and this host's engine binaries; rebuilt when either changes. We hold the lock.
CFIR_RIG_LOCKED=1 CFIR_RIG_DIR="$RIG_DIR" CFIR_RIG_PAUSE_IMAGE="$PAUSE_IMAGE" \
    CFIR_RIG_KIND_NODE_IMAGE="$KIND_NODE_IMAGE" CFIR_RIG_DIND_IMAGE="$DIND_IMAGE" \
    bash "$(dirname "${BASH_SOURCE[0]}")/nested-images.sh"

# ---------------------------------------------------------------------------- env file
ENV_FILE="$RIG_DIR/env"
cat > "$ENV_FILE.tmp" <<EOF
# Generated by scripts/rig/up.sh on $(date -Is). Source it: . $ENV_FILE
# Podman API service config (ulimits etc.): $RIG_DIR/containers.conf
export CFIR_TEST_DOCKER_HOST=unix://$DOCKER_SOCK
export CFIR_TEST_PODMAN_HOST=unix://$PODMAN_SOCK
export CFIR_TEST_CONTAINERD_ADDRESS=$CONTAINERD_SOCK
export CFIR_TEST_IMAGE=$IMAGE
export CFIR_TEST_CONTAINERD_IMAGE=$CONTAINERD_IMAGE
export CFIR_TEST_CONTAINERD_NAMESPACES="$CONTAINERD_NAMESPACES"
export CFIR_TEST_PAUSE_IMAGE=$PAUSE_IMAGE
export CFIR_TEST_KIND_NODE_IMAGE=$KIND_NODE_IMAGE
export CFIR_TEST_DIND_IMAGE=$DIND_IMAGE
EOF
chmod 644 "$ENV_FILE.tmp"
mv -f "$ENV_FILE.tmp" "$ENV_FILE"

log "rig ready in $(( $(date +%s) - START_TS ))s; env file: $ENV_FILE"
grep '^export ' "$ENV_FILE"
