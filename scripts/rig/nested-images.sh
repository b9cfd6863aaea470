#!/usr/bin/env bash
# scripts/rig/nested-images.sh — build the images of the nested-runtime rig (issue 15) from this
# host's own engine binaries, without a registry. Called by scripts/rig/up.sh after the test
# image exists; can be run alone (as root) once up.sh has run.
#
#   cfir-test/kind-node:latest  a kind-like node: containerd (CRI plugin), containerd-shim-runc-v2,
#                               runc, ctr, the CNI plugins a pod network needs (bridge, host-local,
#                               loopback, from /usr/lib/cni when present), their shared libraries
#                               (from ldd) and the test image's busybox rootfs. Its command is
#                               /usr/bin/containerd with /etc/containerd/config.toml (below).
#   cfir-test/dind:latest       Docker-in-Docker: dockerd, the docker CLI, containerd,
#                               containerd-shim-runc-v2, runc, their libraries and the busybox
#                               rootfs. Its command (/usr/local/bin/cfir-dind) runs
#                               dockerd --iptables=false --bridge=none.
#
# Both are flat rootfs tarballs given to `docker import` (seconds, no layers to pull). Each image
# carries the label org.cfir.rig.rev = a hash of this recipe's revision, the test image's id and
# every copied file's path, size and mtime: an image whose label matches is kept, so a second run
# builds nothing. Host binaries upgraded by apt change the hash and rebuild the image.
#
# How the tests run them (tests/ContainerForensics.TestSupport/Nested/): as kind runs its nodes,
# with what a VM without CAP_SYS_RESOURCE allows (--privileged fails there):
#   docker run -d --network none --cap-add ALL --cap-drop SYS_RESOURCE \
#     --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#     --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
#     -v /var/lib/containerd --tmpfs /run --tmpfs /tmp cfir-test/kind-node:latest
# (-v /var/lib/docker for dind). The anonymous volume puts the inner snapshotter's overlay mounts
# on the host's filesystem, not on the container's own overlay (overlay on overlay is refused).
# For depth 2 the tests load the dind image into a DinD's dockerd (docker save | docker exec -i
# DIND docker load) and run it there with the same flags: the outer DinD has the capabilities,
# profiles and cgroup tree to pass on, and its volume is on the host's filesystem too.
#
# Usage (as root): scripts/rig/nested-images.sh
# Knobs: CFIR_RIG_DIR, CFIR_RIG_PAUSE_IMAGE, CFIR_RIG_KIND_NODE_IMAGE, CFIR_RIG_DIND_IMAGE (up.sh passes them).
set -euo pipefail

RIG_DIR="${CFIR_RIG_DIR:-/run/cfir-rig}"
DOCKER_SOCK=/var/run/docker.sock
TEST_IMAGE=cfir-test/busybox:latest
PAUSE_IMAGE="${CFIR_RIG_PAUSE_IMAGE:-registry.k8s.io/pause:3.6}"
NODE_IMAGE="${CFIR_RIG_KIND_NODE_IMAGE:-cfir-test/kind-node:latest}"
DIND_IMAGE="${CFIR_RIG_DIND_IMAGE:-cfir-test/dind:latest}"
# Bump when the recipe below changes (files, config, command): images of another revision are rebuilt.
NESTED_REV=1
# The plugins the node's CNI config uses, and loopback, which the CRI plugin runs for every pod.
CNI_PLUGINS="bridge host-local loopback"
CNI_DIR=/usr/lib/cni

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
unset DOCKER_HOST DOCKER_CONTEXT || true

log() { printf '[rig] %s\n' "$*" >&2; }
die() { printf '[rig] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"

# up.sh holds the rig lock and says so; run alone, take it (a second flock on a new open of the
# same file from up.sh's child would wait for ever).
if [ "${CFIR_RIG_LOCKED:-0}" != 1 ]; then
    mkdir -p "$RIG_DIR"
    exec 9>"$RIG_DIR/lock"
    flock -w 300 9 || die "could not take lock $RIG_DIR/lock within 300 s"
fi

if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker) || die "docker CLI not found"; fi
DOCKER=("$DOCKER" --host "unix://$DOCKER_SOCK")

TEST_IMAGE_ID=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$TEST_IMAGE" 2>/dev/null) ||
    die "$TEST_IMAGE missing: run scripts/rig/up.sh first"

# Resolved here, not inside $(...) below, where a failure would not stop the script.
binary() { command -v "$1" || die "$1 not found (up.sh installs docker.io, containerd and runc)"; }
CONTAINERD=$(binary containerd)
SHIM=$(binary containerd-shim-runc-v2)
RUNC=$(binary runc)
CTR=$(binary ctr)
DOCKERD=$(binary dockerd)
# Debian's CLI, which matches the daemon (/usr/local/bin/docker may be another version).
DOCKER_CLI=/usr/bin/docker
[ -x "$DOCKER_CLI" ] || die "$DOCKER_CLI (Debian's docker CLI, matching dockerd) missing"

# The files an image takes from the host, libraries included: each binary, then every library
# ldd resolves ("libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6") and the loader ("/lib64/ld-...").
# Static binaries (ldd says "not a dynamic executable") bring none.
with_libraries() {
    local f
    for f in "$@"; do
        echo "$f"
        LC_ALL=C ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' || true
    done | sort -u
}

# rev_of FILE...: the label value; paths, sizes and mtimes stand for the contents (hashing
# 200 MB of binaries on every up.sh would cost seconds).
rev_of() {
    { echo "$NESTED_REV $TEST_IMAGE_ID $PAUSE_IMAGE $CNI_PLUGINS"; stat -L -c '%n %s %Y' "$@"; } | sha256sum | cut -c1-16
}

image_rev() { "${DOCKER[@]}" image inspect -f '{{index .Config.Labels "org.cfir.rig.rev"}}' "$1" 2>/dev/null || true; }

# The test image's rootfs (busybox and its applet links, /etc/passwd ...) exactly as up.sh built
# it: its one layer, taken from `docker save` (an export would replace /etc/hosts and friends
# with the empty files Docker mounts over them).
unpack_test_rootfs() {
    "${DOCKER[@]}" save "$TEST_IMAGE" | tar -xO --wildcards '*/layer.tar' | tar -x -C "$1"
    [ -x "$1/bin/busybox" ] || die "no bin/busybox in the layer of $TEST_IMAGE"
    # As on Debian: /var/run is /run, so daemons that use either path meet on the tmpfs.
    [ -e "$1/var/run" ] || ln -s ../run "$1/var/run"
}

# copy_files ROOT FILE...: each file at its host path, symlinks resolved (the image has no
# /lib -> usr/lib merge, so /lib/x86_64-linux-gnu/libc.so.6 becomes a real file there).
copy_files() {
    local root=$1 f; shift
    for f in "$@"; do cp -L --parents "$f" "$root/"; done
}

# import_rootfs ROOT IMAGE REV CMD: a flat rootfs tarball; --numeric-owner keeps uid/gid 0.
import_rootfs() {
    tar --numeric-owner -C "$1" -c . | "${DOCKER[@]}" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'WORKDIR /' \
        --change "CMD $4" \
        --change "LABEL org.cfir.rig.rev=$3" \
        --message "cfir nested rig image rev $3" \
        - "$2" >/dev/null
}

# ---------------------------------------------------------------------------- kind-like node
build_node() {
    local files=() cni=() p rev tmp old
    mapfile -t files < <(with_libraries "$CONTAINERD" "$SHIM" "$RUNC" "$CTR")
    if [ -d "$CNI_DIR" ]; then
        for p in $CNI_PLUGINS; do [ -x "$CNI_DIR/$p" ] && cni+=("$CNI_DIR/$p"); done
        [ "${#cni[@]}" -gt 0 ] && mapfile -t -O "${#files[@]}" files < <(with_libraries "${cni[@]}")
    fi
    [ "${#cni[@]}" -gt 0 ] || log "node image: no CNI plugins in $CNI_DIR: pods there need the node's network (hostNetwork)"
    rev="$NESTED_REV-$(rev_of "${files[@]}")"
    if [ "$(image_rev "$NODE_IMAGE")" = "$rev" ]; then log "image: $NODE_IMAGE present"; return 0; fi

    log "image: building $NODE_IMAGE from this host's containerd"
    old=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$NODE_IMAGE" 2>/dev/null || true)
    tmp="$WORK/node"
    mkdir "$tmp"
    unpack_test_rootfs "$tmp"
    copy_files "$tmp" "${files[@]}"
    # The CNI plugins where containerd's CRI plugin (and kind) expect them.
    mkdir -p "$tmp/opt/cni/bin" "$tmp/etc/cni/net.d" "$tmp/etc/containerd" "$tmp/var/lib/containerd" "$tmp/var/log/pods"
    for p in "${cni[@]}"; do mv "$tmp$p" "$tmp/opt/cni/bin/"; done
    rm -rf "${tmp:?}$CNI_DIR"
    # Why each setting:
    #  * restrict_oom_score_adj: pod sandboxes ask for oom_score_adj -998, which needs
    #    CAP_SYS_RESOURCE; the node has every capability but that one (as the host rig's containerd).
    #  * sandbox_image: the rig's pause image, imported by the tests into k8s.io (no pulls).
    #  * snapshotter overlayfs on /var/lib/containerd, a volume on the host's filesystem.
    cat > "$tmp/etc/containerd/config.toml" <<EOF
# The cfir test rig's kind-like node (scripts/rig/nested-images.sh).
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"
EOF
    # A pod network inside the node (which itself has only loopback, --network none): a bridge
    # in the node's network namespace, as kind's CNI gives every pod its own namespace and address.
    if [ "${#cni[@]}" -gt 0 ]; then
        cat > "$tmp/etc/cni/net.d/10-cfir-pods.conflist" <<'EOF'
{
  "cniVersion": "1.0.0",
  "name": "cfir-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.244.0.0/24" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF
    fi
    import_rootfs "$tmp" "$NODE_IMAGE" "$rev" "[\"$CONTAINERD\"]"
    [ -n "$old" ] && "${DOCKER[@]}" image rm "$old" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------- Docker-in-Docker
build_dind() {
    local files=() rev tmp old
    mapfile -t files < <(with_libraries "$DOCKERD" "$DOCKER_CLI" "$CONTAINERD" "$SHIM" "$RUNC")
    rev="$NESTED_REV-$(rev_of "${files[@]}")"
    if [ "$(image_rev "$DIND_IMAGE")" = "$rev" ]; then log "image: $DIND_IMAGE present"; return 0; fi

    log "image: building $DIND_IMAGE from this host's dockerd"
    old=$("${DOCKER[@]}" image inspect -f '{{.Id}}' "$DIND_IMAGE" 2>/dev/null || true)
    tmp="$WORK/dind"
    mkdir "$tmp"
    unpack_test_rootfs "$tmp"
    copy_files "$tmp" "${files[@]}"
    mkdir -p "$tmp/var/lib/docker" "$tmp/usr/local/bin"
    # dockerd starts its own containerd (under /run/docker/containerd). --cgroup-parent: on
    # cgroup v1 the container sees the host's cgroup tree at its own path (/docker/<id>), and the
    # inner containers' cgroups go below it, so that removing the DinD container removes them
    # too (runc deletes a container's cgroup with its children). With cgroup v2's private
    # cgroup namespace there is no memory line and dockerd keeps its default.
    cat > "$tmp/usr/local/bin/cfir-dind" <<'EOF'
#!/bin/sh
# The cfir test rig's Docker-in-Docker (scripts/rig/nested-images.sh).
parent=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
exec dockerd --iptables=false --bridge=none ${parent:+--cgroup-parent="$parent/docker"} "$@"
EOF
    chmod 755 "$tmp/usr/local/bin/cfir-dind"
    import_rootfs "$tmp" "$DIND_IMAGE" "$rev" '["/usr/local/bin/cfir-dind"]'
    [ -n "$old" ] && "${DOCKER[@]}" image rm "$old" >/dev/null 2>&1 || true
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
build_node
build_dind
