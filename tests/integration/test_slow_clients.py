"""2,000 slow clients on loopback, from 20 addresses, while a normal client
still gets its mail accepted and delivered; and what an idle session and a
slow one cost in memory (printed, and recorded in docs/performance.md)."""

import resource
import socket
import time
import unittest

from harness import GatewayTest, swaks, wait_for

SLOW_ADDRESSES = 20
PER_ADDRESS = 100


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class SlowClients(GatewayTest):
    def setUp(self):
        super().setUp()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = SLOW_ADDRESSES * PER_ADDRESS * 2 + 1024
        if hard != resource.RLIM_INFINITY and hard < want:
            raise unittest.SkipTest(f"RLIMIT_NOFILE hard limit {hard} < {want}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))   # the gateway inherits it

    def open_clients(self, port):
        clients = []
        for a in range(SLOW_ADDRESSES):
            for _ in range(PER_ADDRESS):
                s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=(f"127.0.0.{a + 2}", 0))
                s.setblocking(False)
                clients.append(s)
        self.cleanups.append(lambda: [s.close() for s in clients])
        return clients

    def test_two_thousand_slow_clients_do_not_lock_out_a_normal_one(self):
        sink = self.sink()
        total = SLOW_ADDRESSES * PER_ADDRESS
        top = f"""
[relay]
relay_networks = ["127.0.0.1/32"]

[limits]
max_sessions = {total + 500}
sessions_per_client = {PER_ADDRESS}
connections_per_minute = 0
"""
        g = self.gateway([("*", f"127.0.0.1:{sink.port}")], extra_top=top)
        pid = g.proc.pid
        time.sleep(0.5)
        base = rss_kib(pid)
        clients = self.open_clients(g.port)
        wait_for(lambda: g.metrics().get("x400gw_smtp_server_sessions_open") == total, timeout=60,
                 what=f"{total} sessions open")
        time.sleep(0.5)
        idle = rss_kib(pid)
        # Now each of them trickles a command, one octet a second, never
        # finishing it (the whole-command deadline would end them after
        # command_timeout, longer than this test).
        line = b"EHLO slow.client.test.example"
        started = time.monotonic()
        delivered = None
        sent = 0
        for second in range(12):
            for s in clients:
                try:
                    s.send(line[second % len(line):second % len(line) + 1])
                except OSError:
                    pass
            sent += 1
            if second == 4:
                # The normal client, in the middle of the crowd.
                t0 = time.monotonic()
                r = swaks(g.port, "bob@dest.test", data="Subject: still served\r\n\r\nhello\r\n")
                self.assertIn("250 2.0.0 Ok: queued as", r.stdout)
                accepted_after = time.monotonic() - t0
                sink.wait_count(1, timeout=30)
                delivered = time.monotonic() - t0
            time.sleep(max(0.0, started + second + 1 - time.monotonic()))
        slow = rss_kib(pid)
        self.assertIsNotNone(delivered)
        self.assertLess(accepted_after, 10)
        print(f"\nslow clients: {total} sessions; gateway RSS {base} KiB empty, {idle} KiB with {total} idle "
              f"sessions ({(idle - base) / total:.1f} KiB each), {slow} KiB with {total} slow sessions "
              f"({(slow - base) / total:.1f} KiB each); the normal client got 250 in {accepted_after:.2f} s and "
              f"its message was delivered in {delivered:.2f} s")
        for s in clients:
            s.close()
        wait_for(lambda: g.metrics().get("x400gw_smtp_server_sessions_open") == 0, timeout=60,
                 what="every session to close")


if __name__ == "__main__":
    unittest.main()
