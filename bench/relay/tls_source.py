#!/usr/bin/python3
"""bench/relay/tls_source.py: smtp-source's job over STARTTLS.

Postfix's smtp-source speaks no TLS, so the TLS cells of the relay bench
use this instead. Like smtp-source without -d, each message has its own
connection: 220, EHLO, STARTTLS, a full TLS handshake (no session
resumption), EHLO again, MAIL, RCPT, DATA, the message, QUIT. The
sessions are separate processes, so the client is not held back by one
interpreter lock. The certificate is not checked: the bench measures the
servers, and both get the same client.

  tls_source.py -s SESSIONS -m MESSAGES -l OCTETS HOST:PORT

Exits 0 when every message got its 250, 1 otherwise (the first failure on
stderr).
"""
import argparse
import multiprocessing
import socket
import ssl
import sys


class Failure(Exception):
    pass


def reply(f):
    """The code of one (possibly multi-line) reply."""
    while True:
        line = f.readline()
        if not line:
            raise Failure("connection closed")
        if line[3:4] != b"-":
            return int(line[:3]), line


def expect(f, code):
    got, line = reply(f)
    if got != code:
        raise Failure(f"expected {code}, got {line!r}")


def one_message(host, port, ctx, body):
    with socket.create_connection((host, port), timeout=60) as raw:
        f = raw.makefile("rb")
        expect(f, 220)
        raw.sendall(b"EHLO tls-source.example\r\n")
        expect(f, 250)
        raw.sendall(b"STARTTLS\r\n")
        expect(f, 220)
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            t = s.makefile("rb")
            s.sendall(b"EHLO tls-source.example\r\n")
            expect(t, 250)
            s.sendall(b"MAIL FROM:<bench@source.example>\r\n")
            expect(t, 250)
            s.sendall(b"RCPT TO:<sink@sink.example>\r\n")
            expect(t, 250)
            s.sendall(b"DATA\r\n")
            expect(t, 354)
            s.sendall(body)
            expect(t, 250)
            s.sendall(b"QUIT\r\n")
            expect(t, 221)


def worker(task):
    host, port, count, size = task
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    head = b"From: bench@source.example\r\nTo: sink@sink.example\r\nSubject: tls bench\r\n\r\n"
    line = b"x" * 76 + b"\r\n"
    body = head + line * max(0, (size - len(head)) // len(line)) + b".\r\n"
    for _ in range(count):
        one_message(host, port, ctx, body)
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-s", type=int, default=1, help="concurrent sessions")
    ap.add_argument("-m", type=int, default=1, help="messages in all")
    ap.add_argument("-l", type=int, default=1024, help="message size in octets")
    ap.add_argument("target", help="HOST:PORT")
    a = ap.parse_args()
    host, _, port = a.target.rpartition(":")
    shares = [a.m // a.s + (1 if i < a.m % a.s else 0) for i in range(a.s)]
    tasks = [(host, int(port), n, a.l) for n in shares if n]
    try:
        with multiprocessing.Pool(len(tasks)) as pool:
            sent = sum(pool.map(worker, tasks))
    except (Failure, OSError, ssl.SSLError) as e:
        print(f"tls_source: {e}", file=sys.stderr)
        return 1
    return 0 if sent == a.m else 1


if __name__ == "__main__":
    sys.exit(main())
