#!/usr/bin/python3
"""bench/relay/relay_bench.py: the measuring half of bench/relay/run.sh.

For each cell (message size x concurrent sessions) and each system under
test (x400gw, then Postfix), runs Postfix's smtp-source against the system
and measures, from the start of smtp-source until every message has been
delivered to smtp-sink:

  * messages per second, end to end;
  * CPU seconds per 1,000 messages of the system's processes: the given
    root processes and all their descendants, with the CPU time of
    descendants that exited in between (cutime/cstime of their parents);
  * peak memory: the highest sum of PSS (/proc/PID/smaps_rollup) over the
    same processes, sampled every 100 ms.

With --repeat N, each cell runs N times per system, the systems
alternating, and the table shows each system's median run (this VM's
speed drifts by a quarter from minute to minute) and its highest peak of
memory; a second table gives each run's peak, since a cell's first run
can count processes an earlier cell left behind (Postfix's idle smtpd).

Delivery is counted from x400gw's x400gw_messages_delivered_total (its
/metrics) and from "status=sent" lines in Postfix's maillog. Standard
library only; needs to read other users' /proc entries (run as root).
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- /proc ------------------------------------------------------------------

def read_stat(pid):
    """(ppid, cpu seconds incl. reaped children) of pid, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()
    # rest[0] is field 3 (state): field k is rest[k - 3].
    ppid = int(rest[1])
    ticks = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
    return ppid, ticks / CLK_TCK


def all_stats():
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = read_stat(int(name))
            if s is not None:
                out[int(name)] = s
    return out


def tree(roots, stats):
    """roots and all their descendants present in stats."""
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, ()))
    return seen


def tree_cpu(roots):
    stats = all_stats()
    return sum(stats[p][1] for p in tree(roots, stats))


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory(threading.Thread):
    """Samples the summed PSS of a process tree every interval seconds."""

    def __init__(self, roots, interval=0.1):
        super().__init__(daemon=True)
        self.roots, self.interval = roots, interval
        self.peak_kib, self.samples = 0, 0
        self.totals = []
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            total = sum(pss_kib(p) for p in tree(self.roots, all_stats()))
            self.peak_kib = max(self.peak_kib, total)
            self.samples += 1
            self.totals.append(total)
            self._halt.wait(self.interval)

    def median_mib(self):
        return sorted(self.totals)[len(self.totals) // 2] / 1024.0 if self.totals else 0.0

    def stop(self):
        self._halt.set()
        self.join()
        return self.peak_kib / 1024.0


# --- delivery counters --------------------------------------------------------

_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- a gateway for the other scripts (interleave, backlog, stall) ----------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_x400gw(path, work, name, conninfo, next_hop):
    """An x400gw on free ports, configured as the bench configures it
    (connections_per_hop = 20, one route to next_hop), once its admin port
    answers: (process, SMTP port, metrics URL). Its log is WORK/NAME.log."""
    port, admin = free_port(), free_port()
    conf = os.path.join(work, f"{name}.conf")
    with open(conf, "w") as f:
        f.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\nadmin_listen = "127.0.0.1:{admin}"\n'
                f'[database]\nconninfo = "{conninfo}"\n[delivery]\nconnections_per_hop = 20\n'
                f'[[route]]\ndomain = "*"\nnext_hop = "{next_hop}"\n')
    log = open(os.path.join(work, f"{name}.log"), "ab")
    gw = subprocess.Popen([path, "--config", conf], stdout=log, stderr=log)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", admin), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return gw, port, f"http://127.0.0.1:{admin}/metrics"


def metrics(url):
    with _no_proxy.open(url, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = out.get(name, 0.0) + float(value)
        except ValueError:
            pass
    return out


def metric(m, prefix):
    return sum(v for k, v in m.items() if k == prefix or k.startswith(prefix + "{"))


class X400gw:
    name = "x400gw"

    def __init__(self, smtp, url, roots):
        self.smtp, self.url, self.roots = smtp, url, roots

    def counts(self):
        m = metrics(self.url)
        return {
            "delivered": metric(m, "x400gw_messages_delivered_total"),
            "received": metric(m, "x400gw_messages_received_total"),
            "deferred": metric(m, "x400gw_messages_deferred_total"),
            "failed": metric(m, "x400gw_messages_failed_total"),
            "rejected": metric(m, "x400gw_smtp_server_rejections_total"),
        }


class Postfix:
    name = "Postfix"
    _patterns = {
        "delivered": re.compile(r"status=sent "),
        "received": re.compile(r"postfix/cleanup\[\d+\]: \w+: message-id="),
        "deferred": re.compile(r"status=deferred "),
        "failed": re.compile(r"status=bounced "),
        "rejected": re.compile(r"postfix/smtpd\[\d+\]: (NOQUEUE: )?(\w+: )?reject"),
    }

    def __init__(self, smtp, maillog, roots):
        self.smtp, self.maillog, self.roots = smtp, maillog, roots
        self._pos, self._partial = 0, ""
        self._counts = {k: 0 for k in self._patterns}

    def counts(self):
        try:
            with open(self.maillog) as f:
                f.seek(self._pos)
                data = f.read()
                self._pos = f.tell()
        except FileNotFoundError:
            data = ""
        data = self._partial + data
        lines = data.split("\n")
        self._partial = lines.pop()
        for line in lines:
            for k, p in self._patterns.items():
                if p.search(line):
                    self._counts[k] += 1
        return dict(self._counts)


# --- one measurement ----------------------------------------------------------

def run_cell(system, size_kib, sessions, n, args, tls=False):
    before = system.counts()
    cpu0 = tree_cpu(system.roots)
    mem = PeakMemory(system.roots)
    mem.start()
    if tls:
        cmd = [args.tls_source, "-s", str(sessions), "-m", str(n), "-l", str(size_kib * 1024), system.smtp]
    else:
        cmd = ["smtp-source", "-s", str(sessions), "-m", str(n), "-l", str(size_kib * 1024),
               "-f", "bench@source.example", "-t", "sink@sink.example", system.smtp]
    t0 = time.monotonic()
    src = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    accepted_at = None
    deadline = None
    done_at = None
    now = system.counts()
    while True:
        if accepted_at is None and src.poll() is not None:
            accepted_at = time.monotonic()
            deadline = accepted_at + args.drain_timeout
        now = system.counts()
        if now["delivered"] - before["delivered"] >= n:
            done_at = time.monotonic()
            break
        if deadline is not None and time.monotonic() > deadline:
            break
        if accepted_at is None and time.monotonic() - t0 > args.source_timeout:
            src.kill()
            src.wait()
            accepted_at = time.monotonic()
            break
        time.sleep(args.poll)
    if accepted_at is None:
        src.wait()
        accepted_at = time.monotonic()
    source_output = src.stdout.read().strip()
    time.sleep(args.settle)   # let queue-file removal and bookkeeping finish
    cpu1 = tree_cpu(system.roots)
    peak = mem.stop()
    after = system.counts()
    delta = {k: after[k] - before[k] for k in after}
    r = {
        "system": system.name, "size": size_kib, "sessions": sessions, "n": n, "tls": tls,
        "ok": done_at is not None and src.returncode == 0,
        "source_rc": src.returncode, "source_output": source_output,
        "accept_s": accepted_at - t0,
        "elapsed_s": (done_at or time.monotonic()) - t0,
        "cpu_s": cpu1 - cpu0, "peak_mib": peak, "median_mib": mem.median_mib(), "counts": delta,
    }
    r["rate"] = n / r["elapsed_s"] if r["ok"] else 0.0
    r["cpu_per_1000"] = r["cpu_s"] * 1000.0 / max(delta["delivered"], 1)
    return r


def summarise(runs):
    """One system's runs of one cell as one: the median run by rate (of an
    even number, the slower of the middle two) with its rate, accept time
    and CPU, the highest peak of memory of them all, and failed if any
    failed."""
    by_rate = sorted(runs, key=lambda r: r["rate"])
    r = dict(by_rate[(len(by_rate) - 1) // 2])
    r["ok"] = all(x["ok"] for x in runs)
    r["peak_mib"] = max(x["peak_mib"] for x in runs)
    r["peaks"] = [x["peak_mib"] for x in runs]   # in the order run
    r["load"] = runs[0]["load"]
    return r


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def describe(r):
    c = r["counts"]
    s = (f"{r['system']:8} {r['size']:>2} KB x {r['sessions']:>2} sessions{' STARTTLS' if r['tls'] else ''}, "
         f"{r['n']} messages: "
         f"{r['rate']:8.1f} msg/s end to end ({r['elapsed_s']:.2f} s; smtp-source done after {r['accept_s']:.2f} s), "
         f"CPU {r['cpu_s']:.2f} s ({r['cpu_per_1000']:.2f} s/1000), peak {r['peak_mib']:.0f} MiB; "
         f"received {c['received']:.0f} delivered {c['delivered']:.0f} deferred {c['deferred']:.0f} "
         f"failed {c['failed']:.0f} rejected {c['rejected']:.0f}")
    if not r["ok"]:
        s += f"\n  NOT ALL DELIVERED or smtp-source failed (exit {r['source_rc']}): {r['source_output'][-2000:]}"
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--x400gw-smtp", required=True)
    ap.add_argument("--x400gw-metrics", required=True)
    ap.add_argument("--x400gw-pids", required=True, help="comma-separated roots: gateway, postmaster")
    ap.add_argument("--x400gw-log", help="the gateway's stderr, quoted on failure")
    ap.add_argument("--postfix-smtp", required=True)
    ap.add_argument("--postfix-maillog", required=True)
    ap.add_argument("--postfix-pids", required=True, help="comma-separated roots: master")
    ap.add_argument("--sizes", default="1,50", help="message sizes in KiB (default 1,50)")
    ap.add_argument("--sessions", default="1,10,50", help="concurrent sessions (default 1,10,50)")
    ap.add_argument("--messages", default="2000,5000,5000",
                    help="messages per measurement, one per --sessions entry (default 2000,5000,5000)")
    ap.add_argument("--warmup", type=int, default=100, help="warm-up messages per system (default 100)")
    ap.add_argument("--poll", type=float, default=0.05, help="delivery poll interval, s (default 0.05)")
    ap.add_argument("--settle", type=float, default=1.0, help="wait after the last delivery before reading CPU, s")
    ap.add_argument("--drain-timeout", type=float, default=300.0,
                    help="give up this long after smtp-source ends (default 300 s)")
    ap.add_argument("--source-timeout", type=float, default=900.0,
                    help="kill smtp-source if it runs longer than this (default 900 s)")
    ap.add_argument("--tls-sessions", default="1,10",
                    help="sessions of the STARTTLS cells, 1 KB messages, one connection each ('' for none)")
    ap.add_argument("--tls-messages", default="1000,2000", help="messages per STARTTLS cell (default 1000,2000)")
    ap.add_argument("--tls-source", help="the STARTTLS client, x400gw_tls_source (bench/relay/tls_source.cpp)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each cell per system, alternating; the table shows each system's median run "
                         "by rate and its highest peak of memory (default 1)")
    args = ap.parse_args()

    pids = lambda s: [int(p) for p in s.split(",") if p]
    systems = [X400gw(args.x400gw_smtp, args.x400gw_metrics, pids(args.x400gw_pids)),
               Postfix(args.postfix_smtp, args.postfix_maillog, pids(args.postfix_pids))]
    sizes = [int(s) for s in args.sizes.split(",")]
    sessions = [int(s) for s in args.sessions.split(",")]
    counts = [int(s) for s in args.messages.split(",")]
    if len(counts) != len(sessions):
        ap.error("--messages needs one count per --sessions entry")
    tls_sessions = [int(s) for s in args.tls_sessions.split(",") if s]
    # no STARTTLS cells: the default counts are not theirs to check
    tls_counts = [int(s) for s in args.tls_messages.split(",") if s] if tls_sessions else []
    if len(tls_counts) != len(tls_sessions):
        ap.error("--tls-messages needs one count per --tls-sessions entry")
    if tls_sessions and not args.tls_source:
        ap.error("the STARTTLS cells need --tls-source")

    for s in systems:
        r = run_cell(s, 1, 10, args.warmup, args)
        log("warm-up: " + describe(r))
        if not r["ok"]:
            log(f"{s.name} failed its warm-up; stopping")
            return 1

    results = {}

    def measure(key, size, sess, n, tls=False):
        """The cell --repeat times, the systems alternately (x400gw, then
        Postfix, then x400gw again...), each system's runs summarised."""
        runs = {s.name: [] for s in systems}
        for _ in range(args.repeat):
            for s in systems:
                load = os.getloadavg()[0]
                r = run_cell(s, size, sess, n, args, tls=tls)
                r["load"] = load
                runs[s.name].append(r)
                log(describe(r) + f" [load before {load:.2f}]")
        for name, rs in runs.items():
            results[(name,) + key] = summarise(rs)

    for size in sizes:
        for sess, n in zip(sessions, counts):
            measure((size, sess), size, sess, n)
    for sess, n in zip(tls_sessions, tls_counts):
        measure(("tls", sess), 1, sess, n, tls=True)

    fmt = lambda r, key, spec: (format(r[key], spec) if r["ok"] else "failed")
    print("| size | sessions | messages | x400gw msg/s | Postfix msg/s | x400gw CPU s/1000 | Postfix CPU s/1000 "
          "| x400gw peak MiB | Postfix peak MiB | x400gw >= Postfix |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|")
    below = []

    def row(first_cells, name, key):
        """One row comparing the two systems in a cell; a cell where x400gw
        is behind is remembered under `name`."""
        x, p = results[("x400gw",) + key], results[("Postfix",) + key]
        meets = x["ok"] and (not p["ok"] or x["rate"] >= p["rate"])
        if not meets:
            below.append(name)
        print(f"| {first_cells} | {fmt(x, 'rate', '.0f')} | {fmt(p, 'rate', '.0f')} "
              f"| {fmt(x, 'cpu_per_1000', '.2f')} | {fmt(p, 'cpu_per_1000', '.2f')} "
              f"| {x['peak_mib']:.0f} | {p['peak_mib']:.0f} | {'yes' if meets else '**no**'} |")

    for size in sizes:
        for sess, n in zip(sessions, counts):
            row(f"{size} KB | {sess} | {n}", f"{size} KB x {sess}", (size, sess))
    print()
    print("Accept phase (smtp-source alone, until its last 250), messages per second:")
    print()
    print("| size | sessions | x400gw | Postfix | load avg before (x400gw / Postfix) |")
    print("|---:|---:|---:|---:|---:|")
    for size in sizes:
        for sess, n in zip(sessions, counts):
            x, p = results[("x400gw", size, sess)], results[("Postfix", size, sess)]
            print(f"| {size} KB | {sess} | {n / x['accept_s']:.0f} | {n / p['accept_s']:.0f} "
                  f"| {x['load']:.2f} / {p['load']:.2f} |")
    print()
    if tls_sessions:
        print("Inbound STARTTLS (1 KB messages; a connection, EHLO, STARTTLS and a full handshake for each "
              "message, as smtp-source does without -d; the client is bench/relay/tls_source.cpp):")
        print()
        print("| sessions | messages | x400gw msg/s | Postfix msg/s | x400gw CPU s/1000 | Postfix CPU s/1000 "
              "| x400gw peak MiB | Postfix peak MiB | x400gw >= Postfix |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|:---|")
        for sess, n in zip(tls_sessions, tls_counts):
            row(f"{sess} | {n}", f"STARTTLS x {sess}", ("tls", sess))
        print()
    if args.repeat > 1:
        # The table's peak is each system's highest of its runs; a cell's
        # first run can count processes an earlier cell left (Postfix's
        # idle smtpd), so the runs are also compared one by one.
        print("Peak memory run by run, MiB (x400gw / Postfix, in the order run):")
        print()
        print("| cell | x400gw | Postfix | runs where x400gw's is higher |")
        print("|---|---:|---:|---:|")
        cells = [((size, sess), f"{size} KB x {sess}") for size in sizes for sess in sessions]
        cells += [(("tls", sess), f"STARTTLS x {sess}") for sess in tls_sessions]
        for key, name in cells:
            xs, ps = results[("x400gw",) + key]["peaks"], results[("Postfix",) + key]["peaks"]
            higher = sum(1 for a, b in zip(xs, ps) if round(a) > round(b))
            print(f"| {name} | {', '.join(f'{v:.0f}' for v in xs)} | {', '.join(f'{v:.0f}' for v in ps)} "
                  f"| {higher} of {len(xs)} |")
        print()
    failed = [r for r in results.values() if not r["ok"]]
    for r in failed:
        print(f"- FAILED: {describe(r)}")
    if below:
        print(f"- x400gw below Postfix in: {', '.join(below)}")
    else:
        print("- x400gw at or above Postfix's throughput in every cell")
    if failed and args.x400gw_log and any(r["system"] == "x400gw" for r in failed):
        log("x400gw log, last 40 lines:")
        with open(args.x400gw_log, errors="replace") as f:
            for line in f.readlines()[-40:]:
                log("  " + line.rstrip())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
