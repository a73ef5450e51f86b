#!/usr/bin/python3
"""bench/relay/pairs.py: the measuring half of bench/relay/pairs.sh.

Two (or more) x400gw binaries, one relay cell (smtp-source -> x400gw ->
smtp-sink, as relay_bench.py measures it: messages per second end to
end, CPU of the gateway and its PostgreSQL per 1,000 messages, peak PSS),
run in turn A B A B ... against the same database and sink: pairing keeps
the comparison meaningful when the machine's speed drifts. --tls measures
the STARTTLS cell instead (x400gw_tls_source, a connection and a full
handshake a message, an RSA 2048 certificate made here). Prints each
run, then the median of each binary. --set NAME:SECTION.KEY=VALUE adds a
setting to that binary's configuration (VALUE as TOML writes it, e.g.
--set two:database.pool_threads=2), so that one binary can be compared
with itself under two settings; --sql NAME:STATEMENT runs a statement on
the database before each run of NAME, once its gateway has migrated it
(a schema change compared with the same binary). --threads prints each of
a binary's threads' context switches a message over its cell,
--processes each process's CPU a message (the gateway's, and each of its
PostgreSQL's processes by the title PostgreSQL gives it); --gaps
MS,MS... then sends --gap-messages messages one at a time with that
pause between them and prints the commit's average duration for each
pause (x400gw_db_commit_duration_seconds): how the machine's idle
wake-ups lengthen the commit.
"""
import argparse
import glob
import os
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_bench import X400gw, all_stats, metric, metrics, run_cell, tree  # noqa: E402


def switches(pid):
    """{thread id: (voluntary, involuntary)} context switches so far."""
    out = {}
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        fields = dict(line.split(":", 1) for line in open(status) if ":" in line)
        out[status.split("/")[4]] = (int(fields["voluntary_ctxt_switches"]), int(fields["nonvoluntary_ctxt_switches"]))
    return out


def process_cpu(roots):
    """{pid: (name, cpu seconds)} of roots and their descendants."""
    stats = all_stats()
    out = {}
    for pid in tree(roots, stats):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                name = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        out[pid] = (name[:60], stats[pid][1])
    return out


def commit_after_gaps(smtp, url, gap_ms, n):
    """The commit's average duration in us, n messages sent gap_ms apart."""
    host, port = smtp.rsplit(":", 1)
    body = "From: bench@source.example\r\nSubject: gap\r\n\r\n" + ("x" * 76 + "\r\n") * 12
    before = metrics(url)
    for _ in range(n):
        with smtplib.SMTP(host, int(port)) as c:
            c.sendmail("bench@source.example", ["sink@sink.example"], body)
        time.sleep(gap_ms / 1000)
    after = metrics(url)
    seconds = metric(after, "x400gw_db_commit_duration_seconds_sum") - metric(before, "x400gw_db_commit_duration_seconds_sum")
    count = metric(after, "x400gw_db_commit_duration_seconds_count") - metric(before, "x400gw_db_commit_duration_seconds_count")
    return seconds / count * 1e6 if count else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--postmaster", type=int, required=True, help="the PostgreSQL postmaster's pid")
    ap.add_argument("--sink", required=True, help="host:port of the next hop")
    ap.add_argument("--binary", action="append", required=True, help="NAME=PATH of an x400gw binary; repeatable")
    ap.add_argument("--size", type=int, default=1, help="KiB per message (default 1)")
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--admin-port", type=int, required=True)
    ap.add_argument("--tls", action="store_true", help="the STARTTLS cell (needs --tls-source)")
    ap.add_argument("--tls-source", help="x400gw_tls_source (bench/relay/tls_source.cpp)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME:SECTION.KEY=VALUE",
                    help="a configuration setting for binary NAME; repeatable")
    ap.add_argument("--sql", action="append", default=[], metavar="NAME:STATEMENT",
                    help="a statement run before each run of binary NAME; repeatable")
    ap.add_argument("--psql", default="psql", help="psql, for --sql")
    ap.add_argument("--threads", action="store_true", help="each thread's context switches a message")
    ap.add_argument("--processes", action="store_true",
                    help="each process's CPU a message (the gateway, each PostgreSQL process)")
    ap.add_argument("--gaps", default="", metavar="MS,MS...", help="the commit's duration with these pauses")
    ap.add_argument("--gap-messages", type=int, default=200, help="messages for each pause (default 200)")
    args = ap.parse_args()
    names = [spec.partition("=")[0] for spec in args.binary]
    extra = {}   # name -> section -> ["key = value"]
    for setting in args.set:
        name, _, rest = setting.partition(":")
        dotted, eq, value = rest.partition("=")
        section, dot, key = dotted.partition(".")
        if name not in names or not (eq and dot and section and key and value):
            ap.error(f"--set {setting}: expected NAME:SECTION.KEY=VALUE with NAME one of {', '.join(names)}")
        extra.setdefault(name, {}).setdefault(section, []).append(f"{key} = {value}")
    statements = {}   # name -> [SQL]
    for given in args.sql:
        name, _, sql = given.partition(":")
        if name not in names or not sql:
            ap.error(f"--sql {given}: expected NAME:STATEMENT with NAME one of {', '.join(names)}")
        statements.setdefault(name, []).append(sql)
    # What run_cell reads of relay_bench.py's options.
    args.poll, args.settle, args.drain_timeout, args.source_timeout = 0.02, 1.0, 300.0, 900.0

    work = tempfile.mkdtemp(prefix="x400gw-pairs-")
    if args.tls:
        if not args.tls_source:
            ap.error("--tls needs --tls-source")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-keyout", os.path.join(work, "tls.key"), "-out", os.path.join(work, "tls.crt")],
                       check=True, capture_output=True)
    results = {}
    for rnd in range(args.pairs):
        for spec in args.binary:
            name, _, path = spec.partition("=")
            conf = os.path.join(work, f"{name}.conf")
            sections = {"server": [f'listen = ["127.0.0.1:{args.port}"]', f'admin_listen = "127.0.0.1:{args.admin_port}"'],
                        "database": [f'conninfo = "{args.conninfo}"'],
                        "delivery": ["connections_per_hop = 20"]}
            if args.tls:
                sections["tls"] = [f'certificate = "{work}/tls.crt"', f'key = "{work}/tls.key"']
            for section, lines in extra.get(name, {}).items():
                sections.setdefault(section, []).extend(lines)
            with open(conf, "w") as f:
                for section, lines in sections.items():
                    f.write(f"[{section}]\n" + "".join(line + "\n" for line in lines))
                f.write(f'[[route]]\ndomain = "*"\nnext_hop = "{args.sink}"\n')
            log = open(os.path.join(work, f"{name}.log"), "ab")
            gw = subprocess.Popen([path, "--config", conf], stdout=log, stderr=log)
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", args.admin_port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            for sql in statements.get(name, []):
                subprocess.run([args.psql, args.conninfo, "-qXc", sql], check=True)
            system = X400gw(f"127.0.0.1:{args.port}", f"http://127.0.0.1:{args.admin_port}/metrics",
                            [gw.pid, args.postmaster])
            run_cell(system, 1, 5, 100, args)   # warm-up: connections, prepared statements
            before = switches(gw.pid)
            cpu_before = process_cpu([gw.pid, args.postmaster])
            r = run_cell(system, args.size, args.sessions, args.messages, args, tls=args.tls)
            if args.processes:
                for pid, (what, seconds) in sorted(process_cpu([gw.pid, args.postmaster]).items()):
                    used = seconds - cpu_before.get(pid, (what, 0.0))[1]
                    if used > 0:
                        print(f"pair {rnd + 1} {name}: {used / args.messages * 1e6:.0f} us of CPU a message: {what}",
                              file=sys.stderr)
            if args.threads:
                after = switches(gw.pid)
                for tid in sorted(after, key=int):
                    v0, i0 = before.get(tid, (0, 0))
                    v, i = after[tid][0] - v0, after[tid][1] - i0
                    if v or i:
                        print(f"pair {rnd + 1} {name}: thread {tid}: {v / args.messages:.2f} voluntary, "
                              f"{i / args.messages:.2f} involuntary switches a message", file=sys.stderr)
            for gap in (float(g) for g in args.gaps.split(",") if g):
                us = commit_after_gaps(system.smtp, system.url, gap, args.gap_messages)
                print(f"pair {rnd + 1} {name}: {gap:g} ms between messages: commit {us:.0f} us on average",
                      file=sys.stderr, flush=True)
            gw.send_signal(signal.SIGTERM)
            gw.wait(60)
            if not r["ok"]:
                print(f"{name}: not all delivered: {r['source_output'][-500:]}", file=sys.stderr)
                return 1
            results.setdefault(name, []).append(r)
            print(f"pair {rnd + 1} {name}: {r['rate']:.0f} msg/s, {r['cpu_per_1000']:.2f} CPU s/1000, "
                  f"peak {r['peak_mib']:.1f} MiB (median {r['median_mib']:.1f})", file=sys.stderr, flush=True)
    print(f"{args.size} KB, {args.sessions} session(s){' over STARTTLS' if args.tls else ''}, {args.messages} messages, {args.pairs} pairs (medians):")
    print()
    print("| binary | msg/s | CPU s/1000 | peak MiB | median MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, rs in results.items():
        print(f"| {name} | {statistics.median(r['rate'] for r in rs):.0f} "
              f"| {statistics.median(r['cpu_per_1000'] for r in rs):.2f} "
              f"| {statistics.median(r['peak_mib'] for r in rs):.1f} "
              f"| {statistics.median(r['median_mib'] for r in rs):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
