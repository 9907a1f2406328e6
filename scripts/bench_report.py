#!/usr/bin/env python3
"""Tables and a plot from one benchmark run: criterion's results beside the Flask figures.

Reads target/criterion/**/new/{benchmark,estimates}.json (criterion's headline estimate: the
slope of time against iterations where it has one, else the mean) and the
JSON written by baselines/flask_original/bench.py; prints Markdown tables and writes an SVG of cost
against data size, drawn by hand (standard library only).
"""

import argparse
import glob
import json
import math
import os
import sys


def criterion_results(root):
    results = {}
    for path in glob.glob(os.path.join(root, "**", "new", "benchmark.json"), recursive=True):
        with open(path) as f:
            full_id = json.load(f)["full_id"]
        with open(os.path.join(os.path.dirname(path), "estimates.json")) as f:
            estimates = json.load(f)
        headline = estimates.get("slope") or estimates["mean"]
        results[full_id] = {"ns": headline["point_estimate"],
                            "low": headline["confidence_interval"]["lower_bound"],
                            "high": headline["confidence_interval"]["upper_bound"]}
    return results


def human(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def ratio(a, b):
    return f"{a / b:,.1f}×" if a and b else "–"


def tables(rust, flask):
    out = []
    sizes = sorted({int(k.split("/")[-1]) for k in rust if k.startswith("handler/")})
    out.append("| request | stored intervals per user | Rust handler | Flask (reconstruction) | Flask ÷ Rust |")
    out.append("|---|---:|---:|---:|---:|")
    for op in ("set", "get", "overlap"):
        for n in sizes:
            r = rust.get(f"handler/{op}/{n}", {}).get("ns")
            f = flask.get(f"handler/{op}/{n}", {})
            fns = f["seconds"] * 1e9 if "seconds" in f else None
            shown = human(fns) if fns else (
                f"not run (one call projected at {f['projected_seconds']:,.0f} s)"
                if f.get("skipped") else "–")
            out.append(f"| {op} | {n:,} | {human(r)} | {shown} | {ratio(fns, r)} |")
    out.append("")
    out.append("| overlap core | intervals per user | sweep | read once (floor) | sweep ÷ floor | sweep per stored interval | two-list merge | Flask `find_overlap` | Flask ÷ sweep |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for users in (2, 16):
        for n in sorted({int(k.split("/")[-1]) for k in rust
                         if k.startswith(f"overlap_core/{users}_users/sweep/")}):
            s = rust[f"overlap_core/{users}_users/sweep/{n}"]["ns"]
            b = rust.get(f"overlap_core/{users}_users/read_once/{n}", {}).get("ns")
            merge = rust.get(f"overlap_core/{users}_users/two_list_intersection/{n}", {}).get("ns")
            f = flask.get(f"overlap_core/{users}_users/{n}", {}) if users == 2 else {}
            fns = f["seconds"] * 1e9 if "seconds" in f else None
            shown = human(fns) if fns else (
                f"not run (projected {f['projected_seconds']:,.0f} s)" if f.get("skipped") else "–")
            out.append(f"| {users} users | {n:,} | {human(s)} | {human(b)} | {ratio(s, b)} | "
                       f"{s / (users * n):.2f} ns | {human(merge)} | {shown} | {ratio(fns, s)} |")
    out.append("")
    out.append("| participants (10,000 intervals each) | sweep | per stored interval |")
    out.append("|---:|---:|---:|")
    for users in (2, 4, 8, 16):
        s = rust.get(f"overlap_core/participants_10000_each/sweep/{users}", {}).get("ns")
        if s:
            out.append(f"| {users} | {human(s)} | {s / (users * 10_000):.2f} ns |")
    return "\n".join(out)


def svg(series, path):
    """Log-log lines: x = stored intervals per user, y = time per call."""
    width, height, left, right, top, bottom = 760, 470, 70, 230, 30, 50
    points = [p for _, _, pts in series for p in pts]
    xs = [math.log10(x) for x, _ in points]
    ys = [math.log10(y) for _, y in points]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return height - bottom - (math.log10(y) - y0) / (y1 - y0) * (height - top - bottom)

    units = {-9: "1 ns", -8: "10 ns", -7: "100 ns", -6: "1 µs", -5: "10 µs", -4: "100 µs",
             -3: "1 ms", -2: "10 ms", -1: "100 ms", 0: "1 s", 1: "10 s", 2: "100 s"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="18" font-size="14">Time per call against intervals stored per '
             f'user (log-log; one run)</text>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{10 ** e:,}</text>')
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{units.get(e, f"1e{e} s")}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
                 f'stored intervals per user</text>')
    for i, (label, (color, dash), pts) in enumerate(series):
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        style = f'stroke="{color}" fill="none" stroke-width="2"' + (' stroke-dasharray="5,4"' if dash else "")
        parts.append(f'<polyline points="{line}" {style}/>')
        for x, y in pts:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + i * 20
        parts.append(f'<line x1="{width - right + 12}" y1="{ly}" x2="{width - right + 36}" y2="{ly}" {style}/>')
        parts.append(f'<text x="{width - right + 42}" y="{ly + 4}">{label}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def series_from(rust, flask):
    def rust_line(prefix):
        pts = sorted((int(k.rsplit("/", 1)[1]), v["ns"] / 1e9) for k, v in rust.items()
                     if k.rsplit("/", 1)[0] == prefix)
        return pts

    def flask_line(prefix):
        return sorted((int(k.rsplit("/", 1)[1]), v["seconds"]) for k, v in flask.items()
                      if k.rsplit("/", 1)[0] == prefix and "seconds" in v)

    palette = [
        ("Rust set (handler)", ("#1f77b4", False), rust_line("handler/set")),
        ("Rust get (handler)", ("#2ca02c", False), rust_line("handler/get")),
        ("Rust overlap (handler)", ("#d62728", False), rust_line("handler/overlap")),
        ("Rust core, 2 users", ("#9467bd", False), rust_line("overlap_core/2_users/sweep")),
        ("Rust core, 16 users", ("#8c564b", False), rust_line("overlap_core/16_users/sweep")),
        ("two-list merge", ("#e377c2", False),
         rust_line("overlap_core/2_users/two_list_intersection")),
        ("read once, 2 users", ("#7f7f7f", False), rust_line("overlap_core/2_users/read_once")),
        ("Flask set", ("#1f77b4", True), flask_line("handler/set")),
        ("Flask get", ("#2ca02c", True), flask_line("handler/get")),
        ("Flask overlap", ("#d62728", True), flask_line("handler/overlap")),
        ("Flask core, 2 users", ("#9467bd", True), flask_line("overlap_core/2_users")),
    ]
    return [s for s in palette if s[2]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--criterion", default="target/criterion")
    parser.add_argument("--flask", default="target/flask-bench.json")
    parser.add_argument("--svg", default="docs/bench.svg")
    args = parser.parse_args()
    rust = criterion_results(args.criterion)
    flask = {}
    if os.path.exists(args.flask):
        with open(args.flask) as f:
            flask = json.load(f)
    print(tables(rust, flask))
    svg(series_from(rust, flask), args.svg)
    print(f"\nplot: {args.svg}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
