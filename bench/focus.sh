#!/usr/bin/env bash
# `just bench-focus`: what a large FOCUS cost export adds to `analyze` (issue 11's budget: a
# 10M-row FOCUS export must add no more than its read time at the activity reader's speed).
#
# Takes the 10M-event canonical bench tenant (bench-data/10m-csv, generated as bench/run.sh does
# when missing), writes a FOCUS 1.2 export of FOCUS_ROWS rows (default 10,000,000;
# bench/focus_export.py, stdlib Python), and times `rightsize analyze` on the tenant without and
# with it (the same files, linked), RUNS times each, interleaved, medians. The activity reader's
# speed is activity.csv's bytes over its own read step (`RIGHTSIZE_TIMINGS=1`); the budget is the
# export's bytes at that speed. Writes bench/focus-table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${BENCH_DATA:-bench-data}"
ROWS="${FOCUS_ROWS:-10000000}"
RUNS="${RUNS:-3}"
M="${FOCUS_TENANT:-10}"
mkdir -p "$DATA"

# RIGHTSIZE_BIN: a binary to measure instead of building the release one.
if [ -z "${RIGHTSIZE_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${RIGHTSIZE_BIN:-${CARGO_TARGET_DIR:-target}/release/rightsize}"
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

base="$DATA/${M}m-csv"
if [ ! -f "$base/activity.csv" ]; then
  rm -rf "$base"; "$BIN" generate --users $(( M * 3420 )) --days 90 --seed 42 --out "$base" >/dev/null
fi
focus="$DATA/focus-$ROWS.csv"
[ -f "$focus" ] || python3 bench/focus_export.py "$focus" "$ROWS"
with="$DATA/${M}m-csv-focus"
rm -rf "$with"; mkdir -p "$with"
for f in "$base"/*; do
  if [ -f "$f" ]; then ln -s "$(realpath "$f")" "$with/"; fi
done
ln -s "$(realpath "$focus")" "$with/focus.csv"

# run DIR LOG: one timed analyze; prints "wall rss activity_s focus_s"
run() {
  local dir=$1 log; log=$(mktemp)
  RIGHTSIZE_TIMINGS=1 /usr/bin/time -v "$BIN" analyze --quiet --format csv --out "$DATA/report-focus" "$dir" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local wall rss act foc
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  act=$(awk '/^timing: reading activity.csv / {print $(NF-1)}' "$log")
  foc=$(awk '/^timing: reading focus.csv / {print $(NF-1)}' "$log")
  rm -f "$log"
  echo "$wall $rss ${act:-0} ${foc:-0}"
}

: > "$DATA/focus-results.txt"
for i in $(seq "$RUNS"); do
  echo "base $(run "$base")" | tee -a "$DATA/focus-results.txt"
  echo "with $(run "$with")" | tee -a "$DATA/focus-results.txt"
done

python3 - "$DATA/focus-results.txt" "$(stat -c %s "$base/activity.csv")" "$(stat -L -c %s "$focus")" "$ROWS" "$(( $(wc -l < "$base/activity.csv") - 1 ))" <<'PY' | tee bench/focus-table.md
import statistics, sys
path, act_bytes, focus_bytes, rows, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
runs = {"base": [], "with": []}
for line in open(path):
    k, *v = line.split()
    runs[k].append([float(x) for x in v])
med = lambda k, i: statistics.median(r[i] for r in runs[k])
act_s = med("base", 2)
speed = act_bytes / act_s
budget = focus_bytes / speed
delta = med("with", 0) - med("base", 0)
print(f"| tenant | wall (s) | peak RSS (MiB) | activity read (s) | FOCUS read (s) |")
print(f"|---|---:|---:|---:|---:|")
print(f"| {events:,} events, no cost export beyond the generated one | {med('base', 0):.2f} | {med('base', 1) / 1024:.0f} | {act_s:.2f} | — |")
print(f"| the same + {rows:,}-row FOCUS 1.2 export ({focus_bytes / 2**30:.2f} GiB) | {med('with', 0):.2f} | {med('with', 1) / 1024:.0f} | {med('with', 2):.2f} | {med('with', 3):.2f} |")
print()
print(f"Activity reader: {act_bytes / 2**20:,.0f} MiB in {act_s:.2f} s = {speed / 2**20:,.0f} MiB/s. "
      f"Budget for the export at that speed: {budget:.2f} s. Measured: the export adds "
      f"{delta:.2f} s end to end ({med('with', 3):.2f} s in its own read step): "
      f"{'within' if delta <= budget else 'over'} the budget ({delta / budget:.2f}×).")
PY
