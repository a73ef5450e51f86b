"""A DNS server for the tests of delivery by MX: answers A, AAAA and MX
queries over UDP on 127.0.0.1 from a table, {(name, type): [values]}, where
an MX value is (preference, host) and a host "" is the root (a null MX,
RFC 7505). A name in no key is NXDOMAIN; a name with other types only
answers NOERROR with no records; a name in `servfail` answers SERVFAIL.
Every question is kept in .queries as (name, type).

Misbehaviour: missing domains, null MX, MX hosts without addresses,
server failures, on demand.
"""

import socket
import struct
import threading

TYPES = {1: "A", 28: "AAAA", 15: "MX"}


def encode_name(host):
    return b"".join(bytes([len(label)]) + label.encode() for label in host.split(".") if label) + b"\0"


class DnsServer:
    def __init__(self, records, servfail=(), host="127.0.0.1"):
        self.records = {(name.lower(), kind): values for (name, kind), values in records.items()}
        self.servfail = set(servfail)
        self.queries = []
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.sock.close()
        self.thread.join(5)

    def _serve(self):
        while True:
            try:
                query, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(query), peer)
            except (OSError, IndexError, struct.error):
                continue

    def _answer(self, query):
        ident = struct.unpack(">H", query[:2])[0]
        pos, labels = 12, []
        while query[pos]:
            labels.append(query[pos + 1:pos + 1 + query[pos]].decode())
            pos += 1 + query[pos]
        qtype = struct.unpack(">H", query[pos + 1:pos + 3])[0]
        question = query[12:pos + 5]
        name = ".".join(labels).lower()
        kind = TYPES.get(qtype, str(qtype))
        self.queries.append((name, kind))
        rcode, answers = 0, []
        if name in self.servfail:
            rcode = 2
        elif not any(n == name for n, _ in self.records):
            rcode = 3
        else:
            for value in self.records.get((name, kind), []):
                if kind == "A":
                    rdata = socket.inet_pton(socket.AF_INET, value)
                elif kind == "AAAA":
                    rdata = socket.inet_pton(socket.AF_INET6, value)
                else:
                    rdata = struct.pack(">H", value[0]) + encode_name(value[1])
                # The owner is the question's name, by a pointer to it.
                answers.append(struct.pack(">HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata)
        header = struct.pack(">HHHHHH", ident, 0x8580 | rcode, 1, len(answers), 0, 0)
        return header + question + b"".join(answers)
