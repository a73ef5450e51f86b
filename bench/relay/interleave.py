#!/usr/bin/python3
"""bench/relay/interleave.py: two or more x400gw builds running side by side
on one database and one sink, one client sending them one message each in
turn (the order reversed every other message), one connection a message as
smtp-source makes them: the time from the end of the data to the 250, and
the whole connection's, median, 90th percentile and mean in us.

pairs.py runs the builds one after the other, and on this machine the
one-session cell moves by 10 to 20 % from one run to the next with the
same binary (a process's threads land on other CPUs, the host is busier):
a change of a few percent does not show through that. Here both builds
live through the same seconds and every message of one has a neighbour of
the other, so what differs is the build. Run through `pairs.sh A=BIN
B=BIN --interleave`, which starts the rig.
"""
import argparse
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_bench import start_x400gw  # noqa: E402


def reply(s):
    """Reads up to the last line of one reply (a line whose fourth octet is a space)."""
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("the gateway closed the connection")
        got += chunk
        for line in got.split(b"\r\n")[:-1]:
            if len(line) >= 4 and line[3:4] == b" ":
                if not line[:1] in (b"2", b"3"):
                    raise RuntimeError(f"refused: {line!r}")
                return


def one_message(port, body):
    """(end of data to 250, connect to closed), in seconds."""
    started = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        reply(s)
        for command in (b"EHLO source.example\r\n", b"MAIL FROM:<bench@source.example>\r\n",
                        b"RCPT TO:<sink@sink.example>\r\n", b"DATA\r\n"):
            s.sendall(command)
            reply(s)
        data_sent = time.perf_counter()
        s.sendall(body)
        reply(s)
        committed = time.perf_counter()
        s.sendall(b"QUIT\r\n")
        reply(s)
    finally:
        s.close()
    return committed - data_sent, time.perf_counter() - started


def summary(values):
    us = sorted(v * 1e6 for v in values)
    return f"p50 {us[len(us) // 2]:.0f} p90 {us[int(len(us) * 0.9)]:.0f} mean {statistics.mean(us):.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--sink", required=True, help="host:port of the next hop")
    ap.add_argument("--binary", action="append", required=True, help="NAME=PATH of an x400gw binary; repeatable")
    ap.add_argument("--size", type=int, default=1, help="KiB per message (default 1)")
    ap.add_argument("--messages", type=int, default=3000, help="messages per build per round")
    ap.add_argument("--rounds", type=int, default=3, help="each with freshly started gateways")
    args = ap.parse_args()
    if len(args.binary) < 2:
        ap.error("give at least two --binary NAME=PATH")

    lines = max(1, args.size * 1024 // 78)
    body = (b"From: bench@source.example\r\nTo: sink@sink.example\r\nSubject: interleave\r\n\r\n" +
            b"".join(b"%-76d\r\n" % i for i in range(lines)) + b".\r\n")
    work = tempfile.mkdtemp(prefix="x400gw-interleave-")
    totals = {}
    for rnd in range(args.rounds):
        running = []
        try:
            for spec in args.binary:
                name, _, path = spec.partition("=")
                gw, port, _ = start_x400gw(path, work, name, args.conninfo, args.sink)
                running.append((name, port, gw))
            for name, port, _ in running:   # warm-up: connections, prepared statements
                for _ in range(100):
                    one_message(port, body)
            times = {name: ([], []) for name, _, _ in running}
            for i in range(args.messages):
                for name, port, _ in (running if i % 2 == 0 else running[::-1]):
                    commit, whole = one_message(port, body)
                    times[name][0].append(commit)
                    times[name][1].append(whole)
        finally:
            for _, _, gw in running:
                gw.terminate()
                gw.wait(60)
        for name, (commit, whole) in times.items():
            print(f"round {rnd + 1} {name}: data to 250 {summary(commit)} us; connection {summary(whole)} us",
                  file=sys.stderr, flush=True)
            totals.setdefault(name, ([], []))
            totals[name][0].extend(commit)
            totals[name][1].extend(whole)
    print(f"{args.size} KB, one connection a message, builds alternating message by message, "
          f"{args.messages} messages each x {args.rounds} rounds (us):")
    print()
    print("| binary | data to 250 p50 | p90 | mean | connection p50 | p90 | mean |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (commit, whole) in totals.items():
        c, w = summary(commit).split(), summary(whole).split()
        print(f"| {name} | {c[1]} | {c[3]} | {c[5]} | {w[1]} | {w[3]} | {w[5]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
