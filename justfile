# Everyday recipes; each mirrors a plain cargo command from the README.

# Analyse the committed sample tenant into reports/<as-of>/
run:
    cargo run --release -- analyze sample-data

# Run every test
test:
    cargo test

# Check what rightsize finds in a folder, writing nothing
validate dir="sample-data":
    cargo run --release -- validate {{dir}}

# Regenerate the sample tenant (deterministic)
sample:
    cargo run --release -- generate --users 160 --days 43 --seed 2026 --out sample-data

# What CI runs
ci:
    bash .ci/run

# Benchmarks at ~1M, 10M and 40M events against the Python Polars floor (see BENCHMARKS.md)
bench:
    bash bench/run.sh
# What a 10M-row FOCUS cost export adds to analyze, against the activity reader's speed
bench-focus:
    bash bench/focus.sh

# The quarterly routine: analyse DIR against the newest earlier report in reports/, then email
# it to the given addresses (needs RIGHTSIZE_SMTP_URL and RIGHTSIZE_SMTP_FROM; see README).
quarterly dir +to:
    #!/usr/bin/env bash
    set -euo pipefail
    rightsize() { cargo run --release --quiet -- "$@"; }
    as_of="$(rightsize validate {{dir}} --quiet | sed -n 's/^as of \([0-9-]*\);.*/\1/p')"
    previous=""
    for d in reports/*/; do
        d="${d%/}"
        # Report folders are named by as-of date; take the newest one before this quarter.
        if [ -f "$d/report.json" ] && [[ "$(basename "$d")" < "$as_of" ]]; then previous="$d"; fi
    done
    out="reports/$as_of"
    if [ -f "$out/sent.json" ]; then
        # Analysing again would replace the folder and its marker: stop before that.
        echo "$out was already sent (see $out/sent.json); to resend: rightsize send $out --to ... --force" >&2
        exit 1
    fi
    if [ -n "$previous" ]; then
        rightsize analyze {{dir}} --quiet --out "$out" --previous "$previous"
    else
        echo "no earlier report in reports/: this report has no trend" >&2
        rightsize analyze {{dir}} --quiet --out "$out"
    fi
    rightsize send "$out" --to {{to}}
