#!/usr/bin/python3
"""bench/relay/backlog.py: how fast a gateway drains a backlog. N messages
are accepted while the next hop is down (each deferred at its first
attempt), then a sink starts there and SIGUSR1 makes every one due: the
time from the signal to the last delivery. Bodies are smtp-source's
(compressible, stored in the row) or, with --random-kib, random base64
(stored out of line, TOASTed). Run through backlog.sh, which starts the
database.
"""
import argparse
import base64
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_bench import free_port, metric, metrics, start_x400gw  # noqa: E402


def send_random(port, n, kib, sessions=10):
    def session(count):
        with smtplib.SMTP("127.0.0.1", port) as c:
            for _ in range(count):
                lines = (base64.b64encode(os.urandom(57)).decode() for _ in range(kib * 1024 // 78))
                c.sendmail("bench@source.example", ["sink@sink.example"], "Subject: backlog\r\n\r\n" + "\r\n".join(lines) + "\r\n")
    threads = [threading.Thread(target=session, args=(n // sessions + (i < n % sessions),)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--binary", required=True, help="the x400gw binary")
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--size", type=int, default=1024, help="octets of smtp-source's bodies (default 1024)")
    ap.add_argument("--random-kib", type=int, default=0, help="random base64 bodies of this many KiB instead")
    args = ap.parse_args()

    hop = free_port()
    work = tempfile.mkdtemp(prefix="x400gw-backlog-")
    gw, port, url = start_x400gw(args.binary, work, "x400gw", args.conninfo, f"127.0.0.1:{hop}")
    sink = None
    try:
        started = time.time()
        if args.random_kib:
            send_random(port, args.messages, args.random_kib)
        else:
            subprocess.run(["smtp-source", "-s", "10", "-m", str(args.messages), "-l", str(args.size),
                            "-f", "bench@source.example", "-t", "sink@sink.example", f"127.0.0.1:{port}"], check=True)
        accepted = time.time() - started
        while metric(metrics(url), "x400gw_messages_deferred_total") < args.messages:
            time.sleep(0.1)
        sink = subprocess.Popen(["smtp-sink", "-u", "postfix", f"127.0.0.1:{hop}", "1000"])
        time.sleep(0.5)
        before = metric(metrics(url), "x400gw_messages_delivered_total")
        started = time.time()
        gw.send_signal(signal.SIGUSR1)
        while metric(metrics(url), "x400gw_messages_delivered_total") - before < args.messages:
            if time.time() - started > 900:
                print("not drained within 900 s", file=sys.stderr)
                return 1
            time.sleep(0.02)
        drained = time.time() - started
    finally:
        gw.terminate()
        gw.wait(60)
        if sink:
            sink.kill()
    kind = f"random base64 bodies of {args.random_kib} KiB" if args.random_kib else f"{args.size}-octet bodies"
    print(f"{args.messages} messages, {kind}: accepted in {accepted:.1f} s, drained in {drained:.2f} s "
          f"({args.messages / drained:.0f} msg/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
