#!/usr/bin/env bash
# `just bench`: generates tenants of about 1M, 10M and 40M events (in bench-data/, not
# committed), times `rightsize analyze` end to end on CSV and on Parquet, and the floor
# (bench/floor.py, Python Polars streaming) on the same files, with /usr/bin/time -v; writes
# the table and plot into BENCHMARKS.md and bench/plot.svg.
# Sizes can be narrowed: SIZES="1" bench/run.sh (millions of events).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1 10 40}"
DATA="${BENCH_DATA:-bench-data}"
RESULTS="$DATA/results.tsv"
mkdir -p "$DATA"

cargo build --release --quiet
BIN=target/release/rightsize
python3 -c "import polars" 2>/dev/null || pip install --quiet polars
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

measure() { # label events format cmd...
  local label=$1 events=$2 format=$3; shift 3
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$events" "$format" "$wall" "$rss" | tee -a "$RESULTS"
  rm -f "$log"
}

: > "$RESULTS"
for m in $SIZES; do
  users=$(( m * 3420 ))            # ~293 events per user over 90 days
  csv="$DATA/${m}m-csv"; pq="$DATA/${m}m-parquet"
  if [ ! -f "$csv/activity.csv" ]; then
    rm -rf "$csv"; $BIN generate --users "$users" --days 90 --seed 42 --out "$csv" >/dev/null
  fi
  if [ ! -f "$pq/activity.parquet" ]; then
    rm -rf "$pq"; $BIN generate --users "$users" --days 90 --seed 42 --out "$pq" --parquet >/dev/null
  fi
  events=$(( $(wc -l < "$csv/activity.csv") - 1 ))
  sync
  measure rightsize "$events" csv "$BIN" analyze --quiet --out "$DATA/report-$m-csv" "$csv"
  measure floor "$events" csv python3 bench/floor.py "$csv/activity.csv"
  measure rightsize "$events" parquet "$BIN" analyze --quiet --out "$DATA/report-$m-pq" "$pq"
  measure floor "$events" parquet python3 bench/floor.py "$pq/activity.parquet"
done
python3 bench/report.py "$RESULTS"
