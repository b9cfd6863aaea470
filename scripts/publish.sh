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
dotnet publish src/ContainerForensics.Cli/ContainerForensics.Cli.csproj \
  -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:DebugType=none -p:GenerateDocumentationFile=false \
  -o "$out" >&2
( cd "$out" && sha256sum cfir > cfir.sha256 )
echo "$out/cfir"
