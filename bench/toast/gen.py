#!/usr/bin/env python3
"""bench/toast/gen.py DIR: writes the four bodies toast.sql measures into DIR
(mode 644, so that the PostgreSQL server user can read them):
text50m (bench/stall's repeated line), b64_50m (base64 of random octets),
x50k (smtp-source's lines of X) and b64_50k."""
import base64
import os
import sys

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
line = b"The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnop\r\n"
bodies = {
    "text50m": line * (50_000_000 // len(line)),
    "b64_50m": base64.encodebytes(os.urandom(37_500_000)).replace(b"\n", b"\r\n")[:50_000_000],
    "x50k": (b"X" * 78 + b"\r\n") * (51200 // 80),
    "b64_50k": base64.encodebytes(os.urandom(38_000)).replace(b"\n", b"\r\n")[:51200],
}
for name, body in bodies.items():
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(body)
    os.chmod(path, 0o644)
