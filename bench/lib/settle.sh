#!/usr/bin/env bash
# bench/lib/settle.sh CASE_DIR [final] — after a run, outside the timed part (hyperfine
# --prepare of the next run, and once more after the last): record the archive's size, run the
# case's post-hook on it (timeline.sh: the phases and the volatile pass, read from the
# archive's own timestamps), with "final"
# verify a cfir archive with `cfir verify`, then delete it and flush the page cache's dirty
# pages so that the next run does not pay for this run's writeback; last, read the workload
# again (the case's WARM, warm.sh), so that the next run starts from a warm page cache.
set -euo pipefail
dir=$1 final=${2:-}
lib=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$dir/meta"
shopt -s nullglob
for f in "$dir"/out/run-*; do
    base=${f##*/}; i=${base#run-}; i=${i%%.*}
    stat -c %s "$f" > "$dir/run-$i.size"
    if [ -n "${POST:-}" ]; then
        "$lib/$POST" "$f" "$dir/run-$i" > "$dir/run-$i.post.json" 2> "$dir/run-$i.post.err" || true
    fi
    if [ "$final" = final ] && [ "${VERIFY:-0}" = 1 ]; then
        # The verdict belongs in the report: a fast archive that does not verify is no result.
        set +e
        read -ra verify_args <<< "${VERIFY_ARGS:-}"
        /usr/bin/time -v -o "$dir/verify.time" "$CFIR" verify --json "${verify_args[@]}" "$f" > "$dir/verify.json" 2> "$dir/verify.stderr"
        echo $? > "$dir/verify.rc"
        set -e
        echo "$i" > "$dir/verify.run"
    fi
    rm -f "$f"
done
sync
if [ -n "${WARM:-}" ]; then
    bash "$lib/warm.sh" "$WARM"
fi
