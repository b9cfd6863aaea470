#!/usr/bin/env bash
# scripts/kind-smoke.sh — cfir's Kubernetes collector against a real cluster made with kind.
#
# NOT run by the test suite: kind needs images from a registry, and the development and CI
# machines of this project reach none (their Kubernetes tests run against a stand-in API server,
# docs/usage.md says so). Run it where kind, kubectl and a Docker daemon work, e.g. in GitHub
# Actions (docs/usage.md, "CI smoke tests against kind clusters"):
#
#   scripts/kind-smoke.sh [path/to/cfir]        (default: ./cfir, then cfir on PATH)
#
# It creates a cluster (KIND_CLUSTER, default cfir-smoke), applies fixtures (a Deployment, a
# crash-looping pod, a service account with a RoleBinding, a Secret the Deployment reads),
# collects them with `cfir collect --runtime kubernetes`, verifies the archive with
# `cfir verify`, and checks what the archive must hold. The cluster is deleted at the end
# unless KEEP_CLUSTER=1. Exit 0 only when every check passed.
set -euo pipefail

CLUSTER="${KIND_CLUSTER:-cfir-smoke}"
NS=cfir-smoke
WORK=$(mktemp -d)
CFIR="${1:-}"
if [ -z "$CFIR" ]; then
    if [ -x ./cfir ]; then CFIR=./cfir; else CFIR=$(command -v cfir || true); fi
fi

log() { printf '[kind-smoke] %s\n' "$*" >&2; }
die() { printf '[kind-smoke] FAIL: %s\n' "$*" >&2; exit 1; }

for tool in kind kubectl tar; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[ -n "$CFIR" ] && [ -x "$CFIR" ] || die "cfir not found (give its path as the first argument)"

cleanup() {
    if [ "${KEEP_CLUSTER:-0}" != 1 ]; then
        kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log "creating kind cluster $CLUSTER"
kind create cluster --name "$CLUSTER" --wait 120s
KUBECONFIG_FILE="$WORK/kubeconfig"
kind get kubeconfig --name "$CLUSTER" > "$KUBECONFIG_FILE"
export KUBECONFIG="$KUBECONFIG_FILE"

log "applying fixtures in namespace $NS"
kubectl apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: smoke-sa, namespace: $NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: smoke-reader, namespace: $NS}
rules:
- apiGroups: [""]
  resources: [pods, secrets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: smoke-reader-binding, namespace: $NS}
subjects:
- {kind: ServiceAccount, name: smoke-sa, namespace: $NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: smoke-reader}
---
apiVersion: v1
kind: Secret
metadata: {name: smoke-secret, namespace: $NS}
type: Opaque
stringData: {password: kind-smoke-secret-value-7f3a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: smoke-sa
      containers:
      - name: web
        image: registry.k8s.io/pause:3.9
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: smoke-secret, key: password}}
---
apiVersion: v1
kind: Pod
metadata: {name: crashloop, namespace: $NS, labels: {app: crashloop}}
spec:
  restartPolicy: Always
  containers:
  - name: crash
    image: busybox:1.36
    command: [sh, -c, 'echo "crashing at \$(date)"; exit 3']
YAML

log "waiting for the Deployment and for the crash-looping pod to restart"
kubectl -n "$NS" rollout status deployment/web --timeout=180s
for _ in $(seq 1 90); do
    restarts=$(kubectl -n "$NS" get pod crashloop -o jsonpath='{.status.containerStatuses[0].restartCount}' 2>/dev/null || echo 0)
    [ "${restarts:-0}" -ge 1 ] && break
    sleep 2
done
[ "${restarts:-0}" -ge 1 ] || die "crashloop never restarted"

ARCHIVE="$WORK/smoke.tar.gz"
log "collecting"
set +e
"$CFIR" collect --runtime kubernetes --kubeconfig "$KUBECONFIG_FILE" -n "$NS" -o "$ARCHIVE" --json > "$WORK/summary.json"
rc=$?
set -e
log "cfir collect exit $rc"
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || die "cfir collect exited $rc"
"$CFIR" verify "$ARCHIVE" || die "cfir verify failed"

mkdir "$WORK/x"
tar -xzf "$ARCHIVE" -C "$WORK/x"
ROOT="$WORK/x"
check() { # check DESCRIPTION GLOB
    compgen -G "$ROOT/$2" >/dev/null || die "$1: nothing matches $2"
    log "ok: $1"
}
check "the cluster's version" "runtimes/kubernetes/metadata/version.json"
check "cfir's identity" "runtimes/kubernetes/metadata/identity/selfsubjectreview.json"
check "the web pod's object" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/pod.json"
check "the web pod's owner chain" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/owners/*deployment*"
check "the crashloop's previous log" "containers/kubernetes/$NS/pods/${NS}_crashloop_*/api/logs/app/crash.previous.log"
check "the role binding that grants the service account" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/rbac/rolebindings/$NS/smoke-reader-binding.json"
check "the grants cfir derived" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/rbac/grants.json"
check "the web pod's events" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/events/core*.json"
check "the secret's digest" "containers/kubernetes/$NS/pods/${NS}_web-*/api/metadata/secrets/smoke-secret.json"
# Neither as the value nor in base64 (data), nor in kubectl's last-applied-configuration annotation.
for form in kind-smoke-secret-value-7f3a "$(printf %s kind-smoke-secret-value-7f3a | base64)"; do
    if grep -rqF -- "$form" "$ROOT"; then
        die "the secret's value ($form) is in the archive (it must not be without --secret-values)"
    fi
done
log "ok: the secret's value is not in the archive"
grep -q 'crashing at' "$ROOT"/containers/kubernetes/"$NS"/pods/"${NS}"_crashloop_*/api/logs/app/crash.previous.log ||
    die "the previous log does not hold the crashed instance's line"
log "ok: the previous log holds the crashed instance's output"
log "PASS"
