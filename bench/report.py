"""Turns bench/run.sh's results.tsv into the table in BENCHMARKS.md and bench/plot.svg."""

import platform
import subprocess
import sys
from collections import defaultdict
from statistics import median


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
    return f"{cpu}, {cores} cores, {mem} GiB RAM, {platform.system()} {platform.release()}"


def svg(rows) -> str:
    """Two panels: wall time and peak RSS against events, one line per tool and format."""
    series = defaultdict(list)
    for label, events, fmt, wall, rss, shape in rows:
        if shape == "ours":
            series[f"{label} {fmt}"].append((events, wall, rss / 1024))
    colours = {"rightsize csv": "#0f6cbd", "floor csv": "#7fb2e5", "rightsize parquet": "#c0392b", "floor parquet": "#e6a19a"}
    w, h, pad = 360, 240, 50
    max_e = max(r[1] for r in rows if r[5] == "ours")
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="800" height="300" font-family="Arial" font-size="11">']
    for p, (title, idx, unit) in enumerate([("wall time", 1, "s"), ("peak RSS", 2, "MiB")]):
        x0 = 20 + p * 400
        top = max(v[idx] for s in series.values() for v in s) * 1.1 or 1
        out.append(f'<text x="{x0 + pad}" y="16" font-size="13">{title} ({unit}) vs events</text>')
        out.append(f'<line x1="{x0 + pad}" y1="{h}" x2="{x0 + pad + w - pad}" y2="{h}" stroke="#333"/>')
        out.append(f'<line x1="{x0 + pad}" y1="30" x2="{x0 + pad}" y2="{h}" stroke="#333"/>')
        out.append(f'<text x="{x0 + pad - 4}" y="34" text-anchor="end">{top:.0f}</text>')
        out.append(f'<text x="{x0 + w}" y="{h + 14}" text-anchor="end">{max_e / 1e6:.0f}M events</text>')
        for k, (name, pts) in enumerate(sorted(series.items())):
            pts.sort()
            coords = " ".join(
                f"{x0 + pad + (pt[0] / max_e) * (w - pad):.1f},{h - pt[idx] / top * (h - 30):.1f}"
                for pt in pts
            )
            c = colours.get(name, "#555")
            out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{coords}"/>')
            out.append(f'<text x="{x0 + pad + 8}" y="{44 + 13 * k}" fill="{c}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main(path: str) -> None:
    runs = defaultdict(list)
    for line in open(path):
        label, events, fmt, wall, rss, *rest = line.rstrip("\n").split("\t")
        shape = rest[0] if rest else "ours"
        runs[(label, int(events), fmt, shape)].append((float(wall), int(rss)))
    # Every measurement was repeated (RUNS, interleaved): the median of each column.
    rows = [
        (label, events, fmt, median(w for w, _ in ms), median(r for _, r in ms), shape)
        for (label, events, fmt, shape), ms in runs.items()
    ]
    by = {(r[5], r[0], r[1], r[2]): r for r in rows}
    order = {"ours": 0, "wide": 1, "issue": 2}
    keys = sorted({(order.get(r[5], 3), r[5], r[1]) for r in rows})
    lines = [
        "| tenant | events | format | rightsize wall (s) | floor wall (s) | ratio | rightsize peak RSS (MiB) | floor peak RSS (MiB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    names = {
        "ours": "ours (90 days)",
        "wide": "wide (180 days, 3% rejected)",
        "issue": "issue (wide, 250 users per 1M events)",
    }
    for _, shape, n in keys:
        for fmt in ("csv", "parquet"):
            r, f = by.get((shape, "rightsize", n, fmt)), by.get((shape, "floor", n, fmt))
            if not r or not f:
                continue
            lines.append(
                f"| {names.get(shape, shape)} | {n:,} | {fmt} | {r[3]:.2f} | {f[3]:.2f} | {r[3] / f[3]:.2f}× | {r[4] / 1024:.0f} | {f[4] / 1024:.0f} |"
            )
    if any(r[5] == "ours" for r in rows):
        open("bench/plot.svg", "w").write(svg(rows))
    table = "\n".join(lines)
    print(table)
    with open("bench/latest-table.md", "w") as fh:
        fh.write(f"Machine: {machine()}\n\n{table}\n")


if __name__ == "__main__":
    main(sys.argv[1])
