#!/usr/bin/env bash
# `just bench`: generates tenants of about 1M, 10M and 40M events (in bench-data/, not
# committed), times `rightsize analyze` end to end on CSV and on Parquet, and the floor
# (bench/floor.py, Python Polars streaming) on the same files, with /usr/bin/time -v; writes
# the table and plot into BENCHMARKS.md and bench/plot.svg.
# Sizes can be narrowed: SIZES="1" bench/run.sh (millions of events).
# Three shapes of tenant (SHAPES="ours wide issue"):
# - ours: the generator's own, ~293 events per user over 90 days (the policy's whole window);
# - wide: shaped unlike ours: ~586 events per user over 180 days (the events start 89 days
#   before the window) and 3% of rows (every 33rd) with the channel `fax`, which is rejected;
#   its Parquet is written from that CSV (bench/to_parquet.py);
# - issue: the wide tenant's events folded onto the issue-13 tenant's users (10k users for 40M
#   events, ~4,000 events each; bench/fold_users.py), with its assignments and systemusers.
# Every run is the default command, without --as-of, as users run it. Each measurement is
# repeated RUNS times (default 3), the rounds interleaved, and the table shows medians.
# APPEND=1 adds to the results of an earlier run instead of starting afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1 10 40}"
SHAPES="${SHAPES:-ours wide issue}"
RUNS="${RUNS:-3}"
DATA="${BENCH_DATA:-bench-data}"
RESULTS="$DATA/results.tsv"
mkdir -p "$DATA"

cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/rightsize"
python3 -c "import polars" 2>/dev/null || pip install --quiet polars
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

measure() { # label events format cmd...
  local label=$1 events=$2 format=$3; shift 3
  local shape=${SHAPE:-ours}
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$events" "$format" "$wall" "$rss" "$shape" | tee -a "$RESULTS"
  rm -f "$log"
}

[ "${APPEND:-0}" = 1 ] || : > "$RESULTS"
for round in $(seq "$RUNS"); do
for SHAPE in $SHAPES; do
for m in $SIZES; do
  case "$SHAPE" in
    ours) users=$(( m * 3420 )); days=90; seed=42; tag="${m}m" ;;
    *) users=$(( m * 1710 )); days=180; seed=43; tag="${m}m-wide" ;;
  esac
  wide="$DATA/${m}m-wide-csv"
  if [ "$SHAPE" != ours ] && [ ! -f "$wide/activity.csv" ]; then
    rm -rf "$wide"; $BIN generate --users "$users" --days "$days" --seed "$seed" --out "$wide" >/dev/null
    awk 'BEGIN { FS = OFS = "," } NR > 1 && NR % 33 == 0 { $5 = "fax" } { print }' \
      "$wide/activity.csv" > "$wide/activity.tmp" && mv "$wide/activity.tmp" "$wide/activity.csv"
  fi
  if [ "$SHAPE" = issue ]; then tag="${m}m-issue"; fi
  csv="$DATA/$tag-csv"; pq="$DATA/$tag-parquet"
  if [ ! -f "$csv/activity.csv" ]; then
    rm -rf "$csv"
    case "$SHAPE" in
      ours) $BIN generate --users "$users" --days "$days" --seed "$seed" --out "$csv" >/dev/null ;;
      issue) python3 bench/fold_users.py "$wide" "$csv" $(( m * 250 )) ;;
    esac
  fi
  if [ ! -f "$pq/activity.parquet" ]; then
    rm -rf "$pq"
    if [ "$SHAPE" != ours ]; then
      cp -r "$csv" "$pq" && rm "$pq/activity.csv"
      python3 bench/to_parquet.py "$csv/activity.csv" "$pq/activity.parquet"
    else
      $BIN generate --users "$users" --days "$days" --seed "$seed" --out "$pq" --parquet >/dev/null
    fi
  fi
  events=$(( $(wc -l < "$csv/activity.csv") - 1 ))
  sync
  measure rightsize "$events" csv "$BIN" analyze --quiet --out "$DATA/report-$tag-csv" "$csv"
  measure floor "$events" csv python3 bench/floor.py "$csv/activity.csv"
  measure rightsize "$events" parquet "$BIN" analyze --quiet --out "$DATA/report-$tag-pq" "$pq"
  measure floor "$events" parquet python3 bench/floor.py "$pq/activity.parquet"
done
done
done
python3 bench/report.py "$RESULTS"
