#!/usr/bin/env bash
# Publishes cfir as one self-contained file and runs `cfir --version` where no .NET can be
# found: in a private mount namespace whose .NET folders are hidden under empty tmpfs mounts,
# with a PATH that holds no dotnet. This is what a responder's copy meets on a bare host.
#   scripts/check-single-file.sh        prints the version line; exit 0 when it ran
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/publish.sh linux-x64)
[ -x "$bin" ] || { echo "check-single-file: $bin was not produced" >&2; exit 1; }
echo "check-single-file: $(du -h "$bin" | cut -f1) $bin" >&2

hide=""
for d in /usr/share/dotnet /usr/lib/dotnet /usr/local/share/dotnet /root/.dotnet /opt/dotnet; do
    [ -d "$d" ] && hide="$hide mount -t tmpfs none $d;"
done
# unshare -m: the tmpfs mounts exist only for this one command.
out=$(unshare -m sh -c "$hide exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent '$PWD/$bin' --version" 2>&1) || {
    echo "check-single-file: the single file failed without .NET: $out" >&2; exit 1; }
case "$out" in
    "cfir "*" (commit "*")") echo "$out" ;;
    *) echo "check-single-file: unexpected --version output: $out" >&2; exit 1 ;;
esac
# Prove the hiding worked: dotnet itself must be unusable in the same setting.
if unshare -m sh -c "$hide exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin dotnet --info" >/dev/null 2>&1; then
    echo "check-single-file: dotnet still ran with its folders hidden; the check proves nothing" >&2
    exit 1
fi

# The Kubernetes provider reads a kubeconfig with YamlDotNet through KubernetesClient: a
# trimmed or mis-pinned publish fails there at run time (reflection, FileNotFoundException for
# YamlDotNet 18), not at --version. A kubeconfig whose server refuses connections is read,
# turned into the library's configuration and tried; "did not answer" (exit 3) proves all that
# loaded. A crash is exit 70 with a stack trace.
kc=$(mktemp -d)
trap 'rm -rf "$kc"' EXIT
cat > "$kc/config" <<'YAML'
apiVersion: v1
kind: Config
clusters:
- name: closed
  cluster:
    server: https://127.0.0.1:9
    insecure-skip-tls-verify: true
users:
- name: someone
  user:
    token: not-a-real-token
contexts:
- name: closed
  context: {cluster: closed, user: someone}
current-context: closed
YAML
set +e
kout=$(unshare -m sh -c "$hide exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent '$PWD/$bin' list --runtime kubernetes --kubeconfig '$kc/config' --timeout 2" 2>&1)
krc=$?
set -e
if [ "$krc" != 3 ]; then
    echo "check-single-file: reading a kubeconfig failed (exit $krc): $kout" >&2
    exit 1
fi
echo "check-single-file: a kubeconfig was read and its server tried (exit 3, as expected)" >&2

# Signing and encryption (issue 19) load BouncyCastle and use .NET's ChaCha20-Poly1305 and HKDF
# (OpenSSL underneath): a publish that dropped either fails only when they are used.
# 1. A passphrase-protected key (SSH.NET's bcrypt_pbkdf, Ed25519) and an ssh-ed25519 recipient are opened
#    before discovery; an empty disk image (--root: no daemon asked) then ends the run with exit 3.
# 2. An age file that age itself made is decrypted (X25519, HKDF, ChaCha20-Poly1305); what it
#    holds is no archive, so verify says so with exit 5, not a crash (70).
if command -v ssh-keygen >/dev/null && command -v age >/dev/null && command -v age-keygen >/dev/null; then
    ssh-keygen -q -t ed25519 -N "single file" -f "$kc/sign"
    mkdir "$kc/empty"
    echo "single file" > "$kc/pass"
    set +e
    sout=$(unshare -m sh -c "$hide exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent '$PWD/$bin' collect --root '$kc/empty' -o '$kc/never.tar.gz' --sign-key '$kc/sign' --sign-key-passphrase-file '$kc/pass' --encrypt-to \"\$(cat '$kc/sign.pub')\"" 2>&1)
    src=$?
    set -e
    if [ "$src" != 3 ]; then
        echo "check-single-file: opening a signing key and a recipient failed (exit $src): $sout" >&2
        exit 1
    fi
    age-keygen -o "$kc/age.key" 2>/dev/null
    printf 'not an archive' | age -e -r "$(age-keygen -y "$kc/age.key")" -o "$kc/x.age"
    set +e
    vout=$(unshare -m sh -c "$hide exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent '$PWD/$bin' verify '$kc/x.age' --identity '$kc/age.key'" 2>&1)
    vrc=$?
    set -e
    case "$vrc:$vout" in
        5:*"encrypted: age-encryption.org/v1"*) ;;
        *) echo "check-single-file: decrypting an age file failed (exit $vrc): $vout" >&2; exit 1 ;;
    esac
    echo "check-single-file: a protected signing key was opened and an age file decrypted (exits 3 and 5, as expected)" >&2
else
    echo "check-single-file: ssh-keygen or age missing (scripts/rig/up.sh installs them): signing and encryption not checked" >&2
    exit 1
fi
