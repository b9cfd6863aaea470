#!/usr/bin/env bash
# bench/lib/timeline.sh ARCHIVE RUN_PREFIX — where did one cfir run spend its time?
#
# Read from what the archive itself records (docs/evidence-format.md): the acquisition
# record's `startedAt`, every manifest entry's `collectedAt` (when the writer began the entry:
# its bytes are read after it), the seal's `endedAt`; and from
# the wrapper: RUN_PREFIX.launch (wall clock just before cfir started) and RUN_PREFIX.end
# (just after it exited). Prints one JSON object; times are seconds from launch.
#
# WHY: cfir has no "volatile only" option, so the volatile pass is timed here (latest
# `collectedAt` under containers/*/volatile/ minus `startedAt`, as the issue asks); and the
# same points split a run into fixed costs (start-up, daemon calls) and the copying itself,
# which tells a slow phase from a slow writer.
set -euo pipefail
archive=$1 prefix=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" --warning=no-unknown-keyword -xf "$archive" acquisition/acquisition.json manifest/manifest.jsonl manifest/errors.jsonl SEAL.json
# The archive is deleted after this hook: keep its error records, so that a partial run (exit 1)
# can say in the report what failed.
cp "$tmp/manifest/errors.jsonl" "$prefix.errors.jsonl"
jq -n --argjson launch "$(cat "$prefix.launch")" --argjson finish "$(cat "$prefix.end" 2>/dev/null || echo null)" \
      --slurpfile acq "$tmp/acquisition/acquisition.json" \
      --slurpfile seal "$tmp/SEAL.json" \
      --slurpfile m "$tmp/manifest/manifest.jsonl" '
  # "2026-11-22T03:27:12.483777400Z" -> seconds since the epoch, fraction kept
  def ts: (.[0:19] + "Z" | fromdate) + ((.[19:] | rtrimstr("Z")) as $f | if $f == "" then 0 else ("0" + $f | tonumber) end);
  def rel: if . == null then null else (ts - $launch) * 1000 | round / 1000 end;
  def section($re): [$m[] | select(.path | test($re)) | .collectedAt];
  ($acq[0].startedAt) as $start
  | [$m[] | select(.path | test("^containers/[^/]+/[^/]+/[^/]+/volatile/"))] as $v
  | section("^containers/[^/]+/[^/]+/[^/]+/(filesystem|volumes)/") as $fs
  | ($v | map(.collectedAt) | max) as $lastVolatile
  | { startedAt: $start,
      volatileEntries: ($v | length),
      containersWithVolatile: ($v | map(.path | split("/")[0:4] | join("/")) | unique | length),
      volatileNotCollected: ($v | map(select(.status != "collected" and .status != "skipped")) | length),
      volatileSkipped: ($v | map(select(.status == "skipped")) | length),
      secondsFromStartedAt: (if $lastVolatile == null then null else ($lastVolatile | ts) - ($start | ts) end),
      secondsFromLaunch: ($lastVolatile | rel),
      launchToStartedAt: ($start | rel),
      points: {
        startedAt: ($start | rel),
        lastVolatile: ($lastVolatile | rel),
        lastEngine: (section("^runtimes/") | max | rel),
        lastMetadata: ([$m[] | select(.path | test("^containers/[^/]+/[^/]+/[^/]+/metadata/") and (endswith("/filesystem-source.json") | not)) | .collectedAt] | max | rel),
        lastLogs: (section("^containers/[^/]+/[^/]+/[^/]+/logs/") | max | rel),
        firstFilesystem: ($fs | min | rel),
        lastFilesystem: ($fs | max | rel),
        endedAt: ($seal[0].endedAt | rel),
        exit: (if $finish == null then null else (($finish - $launch) * 1000 | round / 1000) end) } }'
