#!/usr/bin/python3
"""bench/stall/stall_bench.py: the measuring half of bench/stall/run.sh.

Does one large message stall everyone else? For each gateway binary given
(measured alternately, round after round), starts it on the bench
database, then for --seconds runs at once:

  * one session that sends 50 MB messages back to back (RFC 5322 text
    lines, so the sanitizer walks all of it);
  * --sessions sessions that each send 1 KB messages back to back and
    time, for every message, the wait from the last octet of the end of
    data to the 250: the time to 250.

Prints, per binary, the number of 1 KB and 50 MB messages accepted and
the median, p90, p99 and maximum time to 250, in milliseconds. Standard
library only.
"""
import argparse
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "relay"))
from relay_bench import start_x400gw  # noqa: E402


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return int(line[:3])


class Session:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.f = self.s.makefile("rb")
        assert reply(self.f) == 220
        self.cmd(b"EHLO bench.example\r\n", 250)

    def cmd(self, line, want):
        self.s.sendall(line)
        code = reply(self.f)
        if code != want:
            raise RuntimeError(f"{line!r}: {code}")

    def message(self, body):
        """Sends one message; returns seconds from the end of data to 250."""
        self.cmd(b"MAIL FROM:<bench@source.example>\r\n", 250)
        self.cmd(b"RCPT TO:<sink@sink.example>\r\n", 250)
        self.cmd(b"DATA\r\n", 354)
        self.s.sendall(body)
        t = time.monotonic()
        code = reply(self.f)
        waited = time.monotonic() - t
        if code != 250:
            raise RuntimeError(f"end of data: {code}")
        return waited


def body_of(size):
    head = b"From: bench@source.example\r\nTo: sink@sink.example\r\nSubject: stall bench\r\n\r\n"
    line = b"The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnop\r\n"
    return head + line * max(1, (size - len(head)) // len(line)) + b".\r\n"


def measure(port, seconds, sessions, big_size):
    small, big = body_of(1024), body_of(big_size)
    stop = threading.Event()
    waits, big_count, errors = [], [0], []

    def small_loop():
        try:
            s = Session(port)
            while not stop.is_set():
                waits.append(s.message(small))
        except Exception as e:
            errors.append(f"1 KB session: {e}")

    def big_loop():
        try:
            s = Session(port)
            while not stop.is_set():
                s.message(big)
                big_count[0] += 1
        except Exception as e:
            errors.append(f"50 MB session: {e}")

    threads = [threading.Thread(target=big_loop)] + [threading.Thread(target=small_loop) for _ in range(sessions)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return waits, big_count[0], errors


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--sink", required=True, help="host:port of the next hop")
    ap.add_argument("--binary", action="append", required=True, help="NAME=PATH of an x400gw binary; repeatable")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--big", type=int, default=50 * 1000 * 1000, help="octets of the large messages")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    results = {}
    work = tempfile.mkdtemp(prefix="x400gw-stall-")
    for rnd in range(args.rounds):
        for spec in args.binary:
            name, _, path = spec.partition("=")
            gw, port, _ = start_x400gw(path, work, name, args.conninfo, args.sink)
            waits, big, errors = measure(port, args.seconds, args.sessions, args.big)
            gw.send_signal(signal.SIGTERM)
            gw.wait(60)
            r = results.setdefault(name, {"waits": [], "big": 0, "errors": []})
            r["waits"] += waits
            r["big"] += big
            r["errors"] += errors
            print(f"round {rnd + 1} {name}: {len(waits)} x 1 KB, {big} x 50 MB, "
                  f"median {statistics.median(waits) * 1000:.1f} ms, p99 {pct(waits, 0.99) * 1000:.1f} ms"
                  + (f", errors: {errors[:3]}" if errors else ""), file=sys.stderr, flush=True)
    print("| binary | 1 KB accepted | 50 MB accepted | median ms | p90 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        w = r["waits"]
        print(f"| {name} | {len(w)} | {r['big']} | {statistics.median(w) * 1000:.1f} | {pct(w, 0.9) * 1000:.1f} "
              f"| {pct(w, 0.99) * 1000:.1f} | {max(w) * 1000:.1f} |")
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
