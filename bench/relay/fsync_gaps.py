#!/usr/bin/python3
"""bench/relay/fsync_gaps.py [DIR]: how long an 8 KB fdatasync takes on
this machine right after the last one and after 1, 10 and 50 ms idle
(median and 90th percentile, in us). A durable commit waits for one, so
the figures bound what one session's commit can take when the machine
idles between messages (docs/performance.md, "Where a one-session
message's time goes"). DIR is where the test file goes (default var/,
the private cluster's disk); the file is removed afterwards.
"""
import os
import statistics
import sys
import time

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "var")
os.makedirs(directory, exist_ok=True)
path = os.path.join(directory, f"fsync-gaps-{os.getpid()}.tmp")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
try:
    block = b"x" * 8192
    for gap in (0, 0.001, 0.01, 0.05):
        waits = []
        for i in range(200 if gap < 0.05 else 60):
            os.pwrite(fd, block, (i % 64) * 8192)
            started = time.perf_counter()
            os.fdatasync(fd)
            waits.append(time.perf_counter() - started)
            time.sleep(gap)
        waits.sort()
        print(f"{gap * 1000:4.0f} ms idle before: fdatasync median {statistics.median(waits) * 1e6:.0f} us, "
              f"p90 {waits[int(len(waits) * 0.9)] * 1e6:.0f} us")
finally:
    os.close(fd)
    os.unlink(path)
