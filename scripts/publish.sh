#!/usr/bin/env bash
# Builds cfir as one self-contained single-file executable: a responder copies this one file
# to a compromised host, which needs no .NET installed.
#
#   scripts/publish.sh [RID]      RID: linux-x64 (default), linux-arm64, linux-musl-x64, linux-musl-arm64
#
# Output: artifacts/cfir-<RID>/cfir  (and its sha256 next to it).
# The other RIDs need their runtime packs from a NuGet feed that has them; this repo's CI
# machine only has linux-x64's.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="${1:-linux-x64}"
out="artifacts/cfir-$rid"
rm -rf "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet publish src/ContainerForensics.Cli/ContainerForensics.Cli.csproj \
  -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:DebugType=none -p:GenerateDocumentationFile=false \
  -o "$out" 2>&1 | tee "$log" >&2
# The trimmer (TrimMode=partial, see the project file) reports what it cannot prove safe. Each
# was reviewed (bench/README.md, "The single file's size"): libraries warn once per assembly
# (IL2104) and are kept whole (TrimmerRootAssembly, or not marked trimmable); our assemblies are
# not trimmed, and their warnings are JsonSerializer's reflection over our own types (IL2026),
# which the project file turns back on. Anything else is new reflection to look at before it ships.
# (An incremental publish that does not run the trimmer again prints no warnings.)
reviewed=" KubernetesClient YamlDotNet Spectre.Console Serilog Fractions "
unreviewed=$(grep -o "IL2104: Assembly '[^']*'" "$log" | cut -d"'" -f2 | sort -u | while read -r a; do
    case "$reviewed" in *" $a "*) ;; *) echo "$a" ;; esac
done || true)
if [ -n "$unreviewed" ]; then
    echo "publish: trim warnings from assemblies not reviewed: $unreviewed (publish with -p:TrimmerSingleWarn=false to see them)" >&2
    exit 1
fi
other=$(grep -o "warning IL[0-9]*: .*" "$log" | grep -v "^warning IL2104: " \
    | grep -v "^warning IL2026: ContainerForensics\.[^:]*: Using member 'System\.Text\.Json\.JsonSerializer\." | sort -u || true)
if [ -n "$other" ]; then
    echo "publish: trim warnings not reviewed:" >&2
    echo "$other" >&2
    exit 1
fi
( cd "$out" && sha256sum cfir > cfir.sha256 )
echo "$out/cfir"
