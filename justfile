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
