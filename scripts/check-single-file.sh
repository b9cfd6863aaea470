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
