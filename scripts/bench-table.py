#!/usr/bin/env python3
"""The side-by-side table: dealrules against the peer engines of ../shared/bench-peers.

Reads what scripts/bench-peers wrote in one run:
  RESULTS/whole-N.json    whole process, every engine once (bench_whole.py; dealrules and the
                          C++ floor floor-cpp-dr are two of the engines)
  RESULTS/whole-N-1core-runK.json   the same pinned to one core (the fastest engines, K = 1…3)
  RESULTS/runs-N.json     dealrules on one core and on all, and the floor, alternating
                          (scripts/bench-runs.py); at N = 10 and 100 the Python loop too, whose
                          figure then stands for it (timed in the same minutes as dealrules)
  RESULTS/first-load-*.jsonl, RESULTS/check-10000.json   loading 10,000 rules
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


def mean_line_bytes(path="/tmp/peers-data/deals-100000.dealrules.jsonl", count=10_000):
    """The mean length of the lines the in-process benchmarks cycle through (the first 10,000)."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        lengths = [len(line.rstrip(b"\n")) for _, line in zip(range(count), f)]
    return sum(lengths) / len(lengths)


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def whole_runs(res, n, pattern):
    """One row per engine over the bench_whole.py files whose names match `pattern` (N filled
    in): each engine's median wall and CPU time over its runs (a run with a disagreement or a
    failure spoils the row)."""
    runs = {}
    for name in sorted(os.listdir(res)):
        if re.fullmatch(pattern.format(n=n), name):
            for r in load(os.path.join(res, name)) or []:
                runs.setdefault(r["engine"], []).append(r)
    rows = {}
    for engine, rs in runs.items():
        good = [r for r in rs if r.get("rc") == 0 and "wall_s" in r]
        if len(good) < len(rs) or not good:
            rows[engine] = next((r for r in rs if r not in good), rs[0])
            continue
        row = dict(good[0])
        row["wall_s"] = median([r["wall_s"] for r in good])
        row["cpu_s"] = median([r["user_s"] + r["sys_s"] for r in good])
        row["runs"] = len(good)
        row["disagree"] = max((r.get("disagree") or 0) for r in good) if any("disagree" in r for r in good) else None
        row["peak_rss_mib"] = max((r.get("peak_rss_mib") or 0) for r in good)
        rows[engine] = row
    return rows


def checked_peers(rows):
    """The peers that ran and agreed with the oracle on every deal (the Python loop is the oracle)."""
    return [r for e, r in rows.items() if e not in ("dealrules", "floor-cpp", "floor-cpp-dr") and r.get("rc") == 0
            and "wall_s" in r and (e == "python-ref" or r.get("disagree") == 0)]


def fmt(x, unit=""):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}{unit}"
    if x >= 10:
        return f"{x:.1f}{unit}"
    return f"{x:.2f}{unit}"


def plain_ratio(ours, floor):
    if ours is None or floor is None or floor <= 0:
        return "–"
    return f"{ours / floor:.2f}×"


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return "–"
    return f"**{peer / ours:.1f}×**"


def main():
    res = sys.argv[1] if len(sys.argv) > 1 else "/tmp/peers-data/results"
    ours = ours_in_process(os.path.join(res, "dealrules.md"))

    print("### Whole process: 100,000 deals, JSONL in → one decision line out per deal\n")
    print("Seconds, each the median of repeated runs in this sitting, wall clock and CPU (user + system, all threads).")
    print("**1 core**: the process pinned with `taskset -c 0` (dealrules then runs one thread); **2 cores**: not pinned.")
    print("floor-cpp-dr: the hand-written C++ floor (simdjson, one thread) writing the same bytes as dealrules.")
    print("Best peer: the fastest engine of the bench-peers harness on one core (the Python loop or ZEN; every other")
    print("peer was slower in the run of all engines). Every output line of dealrules and the floor was checked against")
    print("the oracle, and their outputs compared byte for byte.\n")
    print("| N rules | dealrules 1 core | CPU | dealrules 2 cores | CPU | floor-cpp-dr | dealrules ÷ floor (1 core) | best peer, 1 core | its time | Python loop | dealrules is (1 core) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for n in SIZES:
        allrows = whole_runs(res, n, r"whole-{n}\.json")
        pinned = whole_runs(res, n, r"whole-{n}-1core-run\d+\.json")
        runs = load(os.path.join(res, f"runs-{n}.json"))
        if not allrows or not runs:
            continue
        one, both, floor = runs.get("dealrules-1core", {}), runs.get("dealrules-all", {}), runs.get("floor-cpp-dr", {})
        peers = {r["engine"]: r for r in checked_peers(allrows)}
        peers.update({r["engine"]: r for r in checked_peers(pinned)})
        # The Python loop timed in the rounds with dealrules (N = 10 and 100): the same minutes.
        alternating = runs.get("python-ref-1core", {})
        if alternating.get("median_wall_s") is not None and "python-ref" in peers:
            peers["python-ref"] = dict(peers["python-ref"], wall_s=alternating["median_wall_s"],
                                       runs=f"{len(alternating['wall_s'])} alternating")
        best = min(peers.values(), key=lambda r: r["wall_s"], default=None)
        python = peers.get("python-ref")
        checked = all(x.get("disagree") == 0 for x in (allrows.get("dealrules", {}), pinned.get("dealrules", {}),
                                                         allrows.get("floor-cpp-dr", {})))
        mine = one.get("median_wall_s")
        print(f"| {n:,} | {fmt(mine, ' s')}{'' if checked else ' (disagrees!)'} | {fmt(one.get('median_cpu_s'), ' s')} | "
              f"{fmt(both.get('median_wall_s'), ' s')} | {fmt(both.get('median_cpu_s'), ' s')} | "
              f"{fmt(floor.get('median_wall_s'), ' s')} | {plain_ratio(mine, floor.get('median_wall_s'))} | "
              f"{best['engine'] if best else '–'} ({best.get('runs', 1) if best else 0} runs) | {fmt(best['wall_s'] if best else None, ' s')} | "
              f"{fmt(python['wall_s'] if python else None, ' s')} | {ratio(best['wall_s'] if best else None, mine)} |")
    rounds = [len((load(os.path.join(res, f"runs-{n}.json")) or {}).get("floor-cpp-dr", {}).get("wall_s", [])) for n in SIZES]
    print(f"\ndealrules and the floor: {max(rounds)} runs each, alternating; at N = 10 and 100 the Python loop too, in the same"
          " rounds; the other peers (and the Python loop at N = 1,000): three runs on one core.")

    print("\n### Loading 10,000 rules (ms)\n")
    print("First load: `RuleSet.load` timed inside a fresh process (Benchmarks/FirstLoad), the first and only load;")
    print("`dealrules check`: the whole process. Medians; CPU is all threads' user + system time.\n")
    print("| what | 1 core: wall | CPU | 2 cores: wall | CPU |")
    print("|---|---:|---:|---:|---:|")
    firsts = {}
    for label in ("1core", "all"):
        path = os.path.join(res, f"first-load-{label}.jsonl")
        if os.path.exists(path):
            rows = [json.loads(l) for l in open(path) if l.strip()]
            firsts[label] = (median([r["wall_ms"] for r in rows]), median([r["cpu_ms"] for r in rows]), len(rows))
    if firsts:
        o, a = firsts.get("1core", (None, None, 0)), firsts.get("all", (None, None, 0))
        print(f"| first load, fresh process ({o[2]} runs) | {fmt(o[0], ' ms')} | {fmt(o[1], ' ms')} | {fmt(a[0], ' ms')} | {fmt(a[1], ' ms')} |")
    check = load(os.path.join(res, "check-10000.json"))
    if check:
        o, a = check.get("check-1core", {}), check.get("check-all", {})
        ms = lambda x: x * 1e3 if x is not None else None
        print(f"| `dealrules check`, whole process ({len(a.get('wall_s', []))} runs) | {fmt(ms(o.get('median_wall_s')), ' ms')} | "
              f"{fmt(ms(o.get('median_cpu_s')), ' ms')} | {fmt(ms(a.get('median_wall_s')), ' ms')} | {fmt(ms(a.get('median_cpu_s')), ' ms')} |")

    print("\n### In process: median µs per deal\n")
    print("dealrules through a `Decider` (the Benchmarks package): **from a parsed deal** (`decide N`, the deal read")
    print("beforehand) and **from bytes** (`decide bytes N`: its JSON line read, then decided); the deal reader alone")
    print("(`read N`) as MB/s of the workload's lines. Peers: `bench_inproc.py`, from their own parsed input.\n")
    line_bytes = mean_line_bytes()
    print("| N rules | dealrules, parsed deal | from bytes | reader | best peer | its median | dealrules (parsed) is |")
    print("|---:|---:|---:|---:|---|---:|---:|")
    for n in SIZES:
        rows = load(os.path.join(res, f"inproc-{n}.json")) or []
        peers = [r for r in rows if "median_us" in r and r.get("disagree") == 0 and r["engine"] != "python-ref"]
        best = min(peers, key=lambda r: r["median_us"], default=None)
        mine, raw, read = ours.get(f"decide {n}"), ours.get(f"decide bytes {n}"), ours.get(f"read {n}")
        speed = f"{line_bytes / read:,.0f} MB/s" if read and line_bytes else "–"
        print(f"| {n:,} | {fmt(mine, ' µs')} | {fmt(raw, ' µs')} | {speed} | {best['engine'] if best else '–'} | "
              f"{fmt(best['median_us'] if best else None, ' µs')} | {ratio(best['median_us'] if best else None, mine)} |")

    print("\n### Load and check of the rule set, warm (ms)\n")
    print("dealrules: `load N` of the Benchmarks package, the median of repeated loads in one process (read, parse, check,")
    print("compile; freeing the rule set is `free N` below); peers: load/compile in `bench_inproc.py`, one load each.\n")
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
