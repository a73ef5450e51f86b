#!/usr/bin/python3
"""bench/relay/memory_breakdown.py PID...: where a system's memory is.

For the given processes and all their descendants (the gateway and the
postmaster of its cluster, say), read once: each process's PSS with its
private dirty and private clean parts (/proc/PID/smaps_rollup), then the
PSS of every mapping summed over them all by file (/proc/PID/smaps:
the server binary, each library, heaps, shared memory). How the
memory figures of docs/performance.md were broken down, e.g. mid-way
through a cell of bench/relay/pairs.sh:

    bench/relay/memory_breakdown.py $(pgrep -f -- '--config /tmp/x400gw-pairs') \\
        $(head -1 var/pairs-pg/postmaster.pid)

Run as root (other users' /proc entries).
"""
import collections
import re
import sys

from relay_bench import all_stats, tree


def rollup(pid):
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                fields[parts[0].rstrip(":")] = int(parts[1])
    return fields


def by_mapping(pid, totals):
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                name = parts[5] if len(parts) > 5 else "[anonymous]"
            elif line.startswith("Pss:"):
                totals[name] += int(line.split()[1])


def main():
    pids = sorted(tree([int(p) for p in sys.argv[1:]], all_stats()))
    if not pids:
        sys.exit(__doc__)
    totals = collections.Counter()
    print("| process | PSS KiB | private dirty | private clean |")
    print("|---|---:|---:|---:|")
    pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:60]
            r = rollup(pid)
            by_mapping(pid, totals)
        except OSError:
            continue   # gone meanwhile
        pss += r["Pss"]
        print(f"| {pid} {cmd} | {r['Pss']} | {r['Private_Dirty']} | {r['Private_Clean']} |")
    print(f"\nPSS in all: {pss} KiB\n")
    print("| mapping | PSS KiB |")
    print("|---|---:|")
    for name, kib in totals.most_common(20):
        print(f"| {name} | {kib} |")


if __name__ == "__main__":
    main()
