#!/usr/bin/python3
"""bench/relay/step_times.py: where one SMTP session's time goes.

Sends N messages over one session at a time (a connection per message,
as smtp-source does) and prints the median and 90th percentile of each
step as the client sees it: the connection and its 220, each command's
reply, the body's 250 (for a gateway that commits before it answers,
the commit), QUIT. With --starttls also EHLO, STARTTLS and the full TLS
handshake (no resumption; the certificate is not checked), as the
bench's STARTTLS client (tls_source.cpp) does. Run it against x400gw,
Postfix or smtp-sink (the floor: what the client and the loopback cost
alone).

  step_times.py [--starttls] [-m MESSAGES] [-l OCTETS] HOST:PORT
"""
import argparse
import socket
import ssl
import time


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("connection closed")
        if line[3:4] != b"-":
            return line


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target")
    ap.add_argument("-m", type=int, default=1000, help="messages (default 1000)")
    ap.add_argument("-l", type=int, default=1024, help="body octets, about (default 1024)")
    ap.add_argument("--starttls", action="store_true")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    body = (b"From: <bench@source.example>\r\nTo: <sink@sink.example>\r\nSubject: step times\r\n\r\n"
            + (b"x" * 70 + b"\r\n") * max(1, a.l // 72) + b".\r\n")
    dialogue = [("mail", b"MAIL FROM:<bench@source.example>\r\n"), ("rcpt", b"RCPT TO:<sink@sink.example>\r\n"),
                ("data", b"DATA\r\n"), ("body", body), ("quit", b"QUIT\r\n")]
    times = {}

    def step(name, t):
        times.setdefault(name, []).append(time.perf_counter() - t)

    for _ in range(a.m):
        t0 = time.perf_counter()
        s = socket.create_connection((host, int(port)), timeout=60)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        reply(f)
        step("connect, 220", t0)
        first = [("ehlo", b"EHLO step-times.example\r\n")]
        if a.starttls:
            first.append(("starttls", b"STARTTLS\r\n"))
        for name, line in first:
            t = time.perf_counter()
            s.sendall(line)
            reply(f)
            step(name, t)
        if a.starttls:
            t = time.perf_counter()
            s = ctx.wrap_socket(s, server_hostname=host)
            step("handshake", t)
            f = s.makefile("rb")
            t = time.perf_counter()
            s.sendall(b"EHLO step-times.example\r\n")
            reply(f)
            step("ehlo (tls)", t)
        for name, line in dialogue:
            t = time.perf_counter()
            s.sendall(line)
            reply(f)
            step(name, t)
        s.close()
        step("message", t0)
    for name, v in times.items():
        v.sort()
        print(f"{name:14} median {1e6 * v[len(v) // 2]:7.0f} us   p90 {1e6 * v[int(len(v) * 0.9)]:7.0f} us")


if __name__ == "__main__":
    main()
