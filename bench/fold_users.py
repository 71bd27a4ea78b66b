"""Makes the issue-13 tenant shape from a wide tenant: the same events (180 days, 3% rejected
rows) folded onto fewer licensed users, as the issue's tenant had (10k users for 40M events,
~4,000 events each). User k of the wide tenant's assignments becomes target user k mod USERS;
the assignments and systemusers keep the target users only; the other files are copied.
Usage: fold_users.py SRC_DIR DST_DIR USERS"""

import csv
import shutil
import sys
from pathlib import Path

import polars as pl

COLUMNS = ["user_id", "timestamp", "operation", "table", "channel", "device_id", "own_record", "feature"]


def main(src: str, dst: str, users: int) -> None:
    src_dir, dst_dir = Path(src), Path(dst)
    dst_dir.mkdir(parents=True, exist_ok=True)
    with open(src_dir / "assignments.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    ids = list(dict.fromkeys(r["user_id"] for r in rows))
    targets = ids[:users]
    mapping = {u: targets[k % users] for k, u in enumerate(ids)}
    keep = set(targets)
    for name, column in [("assignments.csv", "user_id"), ("systemusers.csv", "azureactivedirectoryobjectid")]:
        with open(src_dir / name, newline="") as f, open(dst_dir / name, "w", newline="") as out:
            reader = csv.DictReader(f)
            writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
            writer.writeheader()
            writer.writerows(r for r in reader if r[column] in keep)
    for p in src_dir.iterdir():
        if p.name not in ("assignments.csv", "systemusers.csv", "activity.csv") and p.is_file():
            shutil.copy(p, dst_dir / p.name)
    (
        pl.scan_csv(src_dir / "activity.csv", schema={c: pl.String for c in COLUMNS})
        .with_columns(pl.col("user_id").replace(mapping))
        .sink_csv(dst_dir / "activity.csv")
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
