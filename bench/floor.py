"""The floor: what an analyst would write instead of rightsize.

Python Polars, streaming engine, lazily scanning the same activity file with an explicit
schema, computing per user the event count, the latest timestamp, the distinct active days and
one aggregate over every other column the analysis reads. Usage: floor.py FILE (.csv|.parquet)
"""

import sys

import polars as pl

COLUMNS = ["user_id", "timestamp", "operation", "table", "channel", "device_id", "own_record", "feature"]


def main(path: str) -> None:
    if path.endswith(".parquet"):
        lf = pl.scan_parquet(path)
        ts = pl.col("timestamp")
    else:
        lf = pl.scan_csv(path, schema={c: pl.String for c in COLUMNS})
        ts = pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="ms")
    q = (
        lf.with_columns(ts.alias("timestamp"))
        .group_by("user_id")
        .agg(
            pl.len().alias("events"),
            pl.col("timestamp").max().alias("last"),
            pl.col("timestamp").dt.date().n_unique().alias("days"),
            (pl.col("operation") == "read").sum().alias("reads"),
            pl.col("table").n_unique().alias("tables"),
            (pl.col("channel") == "voice").sum().alias("voice"),
            pl.col("device_id").n_unique().alias("devices"),
            (pl.col("own_record").cast(pl.String) == "true").sum().alias("own"),
            (pl.col("feature") == "copilot").sum().alias("copilot"),
        )
    )
    df = q.collect(engine="streaming")
    print(f"{df.height} users")


if __name__ == "__main__":
    main(sys.argv[1])
