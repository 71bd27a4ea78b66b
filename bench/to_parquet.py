"""Writes a canonical activity.csv as activity.parquet with the generator's types (millisecond
timestamp, boolean own_record), streaming. Usage: to_parquet.py CSV PARQUET"""

import sys

import polars as pl

COLUMNS = ["user_id", "timestamp", "operation", "table", "channel", "device_id", "own_record", "feature"]


def main(src: str, dst: str) -> None:
    (
        pl.scan_csv(src, schema={c: pl.String for c in COLUMNS})
        .with_columns(
            pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="ms"),
            (pl.col("own_record") == "true").alias("own_record"),
        )
        .sink_parquet(dst)
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
