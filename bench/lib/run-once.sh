#!/usr/bin/env bash
# bench/lib/run-once.sh CASE_DIR — one measured run of a case; hyperfine times this script.
#
# WHY a wrapper: hyperfine gives the wall time, but not peak RSS, nor the CPU of every
# process of a pipeline separately from the shell, nor the daemon's CPU. So each run goes
# through /usr/bin/time -v (rusage of the whole pipeline: user+sys summed over its processes,
# peak RSS = the largest single process), and the daemons' CPU ticks are read before/after:
# `docker export` does its tar work inside dockerd, which no rusage of ours would show.
# The wrapper's own cost (two bash start-ups, a few ms) is negligible against runs of seconds;
# the start-up case (`cfir --version`) is therefore measured without it (hyperfine -N).
#
# Every run writes to a fresh path (run-<i>.<ext>) given to the command as $OUT; the archive
# is measured and deleted by settle.sh before the next run, outside the timed part.
# No `set -e`: the command's exit status is data to record, not a reason to stop.
set -uo pipefail
dir=$1
i=$(( $(cat "$dir/counter") + 1 ))
echo "$i" > "$dir/counter"
OUT="$dir/out/run-$i.$(cat "$dir/ext")"
export OUT

# utime+stime in clock ticks of the daemons whose pids run.sh recorded (fields 14 and 15 of
# /proc/PID/stat; the name field may hold spaces, so fields are counted after its ")").
daemon_ticks() {
    local pid sum=0 t
    for pid in $(cat "$dir/../daemon-pids" 2>/dev/null); do
        t=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)
        sum=$((sum + t))
    done
    echo "$sum"
}

cat /proc/loadavg > "$dir/run-$i.load-before"
before=$(daemon_ticks)
date +%s.%N > "$dir/run-$i.launch"
/usr/bin/time -v -o "$dir/run-$i.time" bash -c "set -o pipefail; $(cat "$dir/cmd")" 2> "$dir/run-$i.stderr"
rc=$?
date +%s.%N > "$dir/run-$i.end"
after=$(daemon_ticks)
echo "$((after - before))" > "$dir/run-$i.daemon-ticks"
cat /proc/loadavg > "$dir/run-$i.load-after"
echo "$rc" > "$dir/run-$i.rc"
exit "$rc"
