#!/usr/bin/env bash
# bench/lib/warm.sh PATH — reads a workload once, untimed, into the page cache: a directory as
# tar reads it, a file whole. Called before a group's first case and, through settle.sh, before
# every run.
set -euo pipefail
if [ -d "$1" ]; then
    tar -C "$1" -cf - . | cat > /dev/null
elif [ -f "$1" ]; then
    cat "$1" > /dev/null
fi
