#!/usr/bin/env python3
"""The side-by-side table: dealrules against the peer engines of ../shared/bench-peers.

Reads what scripts/bench-peers wrote in one run:
  RESULTS/whole-N.json    whole process (bench_whole.py; dealrules is one of the engines)
  RESULTS/inproc-N.json   the peers in process (bench_inproc.py)
  RESULTS/dealrules.md    dealrules in process (the Benchmarks package, markdown export)
and prints markdown: per N, dealrules' figure, the best peer's, and how many times faster
dealrules is. Only runs that agree with the oracle on every deal count.

usage: bench-table.py RESULTS
"""
import json
import os
import re
import sys

SIZES = [10, 100, 1000, 10000]


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def ours_in_process(path):
    """{benchmark name: median µs} from the Benchmarks package's markdown export."""
    medians, name = {}, None
    if not os.path.exists(path):
        return medians
    scale = {"ns": 1e-3, "μs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^### (.+)$", line.strip())
        if m:
            name = m.group(1).strip()
            continue
        m = re.match(r"^\| Time \(wall clock\) \((\w+)\)\s*\*?\s*\|(.*)$", line.strip())
        if m and name:
            cells = [c.strip() for c in m.group(2).split("|")]
            # p0, p25, p50, ...
            medians[name] = float(cells[2].replace(",", "")) * scale.get(m.group(1), 1.0)
    return medians


def whole_runs(res, n):
    """One row per engine: whole-N.json and any repeats (whole-N-runK.json), each engine's
    median wall time over its runs (a run with a disagreement or a failure spoils the row)."""
    runs = {}
    for name in sorted(os.listdir(res)):
        if name == f"whole-{n}.json" or re.fullmatch(rf"whole-{n}-run\d+\.json", name):
            for r in load(os.path.join(res, name)) or []:
                runs.setdefault(r["engine"], []).append(r)
    rows = []
    for engine, rs in runs.items():
        good = [r for r in rs if r.get("rc") == 0 and "wall_s" in r]
        if len(good) < len(rs) or not good:
            rows.append(next((r for r in rs if r not in good), rs[0]))
            continue
        walls = sorted(r["wall_s"] for r in good)
        row = dict(good[0])
        row["wall_s"] = walls[len(walls) // 2] if len(walls) % 2 else (walls[len(walls) // 2 - 1] + walls[len(walls) // 2]) / 2
        row["runs"] = len(good)
        row["disagree"] = max((r.get("disagree") or 0) for r in good) if any("disagree" in r for r in good) else None
        row["peak_rss_mib"] = max((r.get("peak_rss_mib") or 0) for r in good)
        rows.append(row)
    return rows


def fmt(x, unit=""):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}{unit}"
    if x >= 10:
        return f"{x:.1f}{unit}"
    return f"{x:.2f}{unit}"


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return "–"
    return f"**{peer / ours:.1f}×**"


def main():
    res = sys.argv[1] if len(sys.argv) > 1 else "/tmp/peers-data/results"
    ours = ours_in_process(os.path.join(res, "dealrules.md"))

    print("### Whole process: 100,000 deals, JSONL in → one decision line out per deal\n")
    print("Wall-clock seconds under `/usr/bin/time -v`, the median of each engine's runs (python-ref, ZEN and")
    print("dealrules run three times, the others once); every output line checked against the oracle.\n")
    print("| N rules | dealrules | runs | peak RSS | disagreements | best peer | its time | dealrules is |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|")
    for n in SIZES:
        rows = whole_runs(res, n)
        if not rows:
            continue
        mine = next((r for r in rows if r["engine"] == "dealrules"), None)
        peers = [r for r in rows if r["engine"] != "dealrules" and r.get("rc") == 0 and "wall_s" in r
                 and (r["engine"] == "python-ref" or r.get("disagree") == 0)]
        best = min(peers, key=lambda r: r["wall_s"], default=None)
        if mine is None or "wall_s" not in mine:
            cell = mine.get("skipped", "not run") if mine else "not run"
            print(f"| {n:,} | {cell} | – | – | – | {best['engine'] if best else '–'} | {fmt(best['wall_s'] if best else None, ' s')} | – |")
            continue
        ok = mine.get("rc") == 0
        print(f"| {n:,} | {fmt(mine['wall_s'], ' s')}{'' if ok else ' (failed)'} | {mine.get('runs', 1)} | {fmt(mine.get('peak_rss_mib'), ' MiB')} | "
              f"{mine.get('disagree', '–')} | {best['engine'] if best else '–'} | {fmt(best['wall_s'] if best else None, ' s')} | "
              f"{ratio(best['wall_s'] if best else None, mine['wall_s'] if ok else None)} |")

    print("\n### In process: median µs per deal, deals already read\n")
    print("dealrules: `decide N` of the Benchmarks package (through a `Decider`); peers: `bench_inproc.py`.\n")
    print("| N rules | dealrules | best peer | its median | dealrules is |")
    print("|---:|---:|---|---:|---:|")
    for n in SIZES:
        rows = load(os.path.join(res, f"inproc-{n}.json")) or []
        peers = [r for r in rows if "median_us" in r and r.get("disagree") == 0 and r["engine"] != "python-ref"]
        best = min(peers, key=lambda r: r["median_us"], default=None)
        mine = ours.get(f"decide {n}")
        print(f"| {n:,} | {fmt(mine, ' µs')} | {best['engine'] if best else '–'} | {fmt(best['median_us'] if best else None, ' µs')} | "
              f"{ratio(best['median_us'] if best else None, mine)} |")

    print("\n### Load and check of the rule set (ms)\n")
    print("dealrules: `load N` of the Benchmarks package (read, parse, check, compile; freeing the rule set is `free N` below); "
          "peers: load/compile in `bench_inproc.py`.\n")
    print("| N rules | dealrules | best peer | its time | dealrules is |")
    print("|---:|---:|---|---:|---:|")
    for n in SIZES:
        rows = load(os.path.join(res, f"inproc-{n}.json")) or []
        peers = [r for r in rows if "load_s" in r and "error" not in r and r["engine"] != "python-ref"]
        best = min(peers, key=lambda r: r["load_s"], default=None)
        mine = ours.get(f"load {n}")
        mine_ms = mine / 1e3 if mine is not None else None
        print(f"| {n:,} | {fmt(mine_ms, ' ms')} | {best['engine'] if best else '–'} | {fmt(best['load_s'] * 1e3 if best else None, ' ms')} | "
              f"{ratio(best['load_s'] * 1e3 if best else None, mine_ms)} |")

    extra = {k: v for k, v in ours.items() if k.startswith(("repl fact", "stream", "decide+json", "free"))}
    if extra:
        print("\n### dealrules alone (median µs)\n")
        print("| benchmark | median |")
        print("|---|---:|")
        for k in sorted(extra, key=lambda k: (k.split()[0], int(k.split()[-1]))):
            print(f"| {k} | {fmt(extra[k], ' µs')} |")


if __name__ == "__main__":
    main()
