#!/usr/bin/env python3
"""Runs commands several times, alternating them, and records each run's wall-clock and CPU time.

usage: bench-runs.py OUT.json RUNS NAME=COMMAND [NAME=COMMAND …]

Each COMMAND is split as a shell would split it (no shell is started, so none is timed); a
final `> FILE` sends its standard output there (else to /dev/null). The commands run in turn,
RUNS rounds, so that a slow spell of the machine falls on all of them alike. CPU time is the
user and system time of the command and its children (getrusage), also recorded apart.

Files are written the same way for every command, and no run pays for another's:
- Before each run the file system's dirty pages are written back (`sync`, not timed): at
  N = 1,000 a run writes about 1 GB, and without it the kernel throttled later runs while it
  wrote back earlier ones (the floor's own runs took 0.86 to 2.59 s).
- From the second round on, FILE is overwritten in place (opened without emptying it, and cut
  to what the run wrote once it has ended, untimed): the kernel still copies every byte into
  the page cache, but into pages it already holds. A new page cost a fault in the host on the
  development VM (the hypervisor's free page reporting takes back freed memory), which spread
  the system time of writing 1 GB from 0.1 to 2.3 s at random: over half the samples of a slow
  run were that copy (`copy_folio_from_iter_atomic`). In place, the same runs took 0.1-0.2 s.

Writes {NAME: {"wall_s": [...], "cpu_s": [...], "user_s": [...], "sys_s": [...], "rc": [...],
"median_wall_s", "median_cpu_s"}} to OUT.json and prints one line per command.
"""
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def cpu():
    """User and system CPU time of the children so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime, r.ru_stime


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, runs = sys.argv[1], int(sys.argv[2])
    commands = [a.split("=", 1) for a in sys.argv[3:]]
    results = {name: {"command": cmd, "wall_s": [], "cpu_s": [], "user_s": [], "sys_s": [], "rc": []} for name, cmd in commands}
    for _ in range(runs):
        for name, cmd in commands:
            words = shlex.split(cmd)
            target = "/dev/null"
            if len(words) > 2 and words[-2] == ">":
                words, target = words[:-2], words[-1]
            # The last round's file overwritten in place, and the disk caught up, untimed.
            inplace = target != "/dev/null" and os.path.exists(target)
            with open(target, "r+b" if inplace else "wb") as sink:
                os.sync()
                c0, t0 = cpu(), time.perf_counter()
                rc = subprocess.run(words, stdout=sink).returncode
                t1, c1 = time.perf_counter(), cpu()
                if inplace:
                    # What the run wrote ends where the shared offset stands: a shorter output
                    # leaves no bytes of the last round behind.
                    os.ftruncate(sink.fileno(), os.lseek(sink.fileno(), 0, os.SEEK_CUR))
            r = results[name]
            r["wall_s"].append(t1 - t0)
            r["cpu_s"].append((c1[0] - c0[0]) + (c1[1] - c0[1]))
            r["user_s"].append(c1[0] - c0[0])
            r["sys_s"].append(c1[1] - c0[1])
            r["rc"].append(rc)
    for name, r in results.items():
        r["median_wall_s"] = statistics.median(r["wall_s"])
        r["median_cpu_s"] = statistics.median(r["cpu_s"])
        print(f"{name}: median {r['median_wall_s'] * 1e3:.1f} ms wall, {r['median_cpu_s'] * 1e3:.1f} ms CPU"
              f" ({runs} runs{'' if all(c == 0 for c in r['rc']) else ', SOME FAILED'})", file=sys.stderr)
    json.dump(results, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
