"""What a 250 promises: the message survives kill -9, is delivered once,
is shared safely by several gateway processes on one database, and the
gateway rides out a database outage (451, never 5xx, then recovery)."""

import os
import re
import socket
import subprocess
import time
import unittest

from harness import Gateway, GatewayTest, Smtp, Sink, free_port, pg_start, pg_stop, received_ids, swaks, wait_for


def smtp_source(port, count, sessions, size=1024):
    """Postfix's smtp-source: `count` messages of `size` octets over `sessions` sessions."""
    return subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size), "-d",
                           "-f", "sender@corp.test", "-t", "rcpt@dest.test", "-M", "source.test",
                           f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=600)


class Durability(GatewayTest):
    def test_kill_9_right_after_250_then_delivered_once(self):
        sink_port = free_port()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink_port}")])
        r = swaks(gw.port, "bob@dest.test", data="Subject: survive\r\n\r\nkill me\r\n")
        gw.kill9()   # the 250 is in r.stdout: the promise was made
        qid = re.search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1)
        sink = self.sink(port=sink_port)
        gw.start()
        sink.wait_count(1, timeout=40)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", timeout=30, what="the queue to empty")
        time.sleep(2)
        self.assertEqual(received_ids(sink.messages), [qid])

    def test_two_gateways_share_one_database(self):
        sink = self.sink()
        routes = [("dest.test", f"127.0.0.1:{sink.port}")]
        a = self.gateway(routes, name="a")
        b = self.gateway(routes, name="b")
        ra = subprocess.Popen(["smtp-source", "-s", "5", "-m", "500", "-l", "1024", "-d", "-f", "sender@corp.test",
                               "-t", "rcpt@dest.test", f"127.0.0.1:{a.port}"])
        rb = smtp_source(b.port, 500, 5)
        self.assertEqual(ra.wait(600), 0)
        self.assertEqual(rb.returncode, 0, rb.stderr)
        sink.wait_count(1000, timeout=120)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", timeout=60, what="the queue to empty")
        time.sleep(1)
        ids = received_ids(sink.messages)
        self.assertEqual(len(ids), 1000)
        self.assertEqual(len(set(ids)), 1000, "a message was delivered twice")
        self.assertNotIn(None, ids)
        # Both processes delivered.
        self.assertGreater(a.log().count("status=sent"), 0)
        self.assertGreater(b.log().count("status=sent"), 0)

    def test_a_delivery_longer_than_the_lease_is_not_taken_over(self):
        # The next hop holds the message for three leases (4 s each here):
        # the lease is renewed, over a connection closed and opened again
        # between renewals, so the second gateway on the same database never
        # claims it, and it is delivered once.
        slow = self.sink(behaviour=lambda envelope: time.sleep(12))
        other = self.sink()
        a = self.gateway([("dest.test", f"127.0.0.1:{slow.port}")], name="a")
        r = swaks(a.port, "bob@dest.test", data="Subject: slow\r\n\r\nheld at the next hop\r\n")
        qid = re.search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1)
        self.gateway([("dest.test", f"127.0.0.1:{other.port}")], name="b")
        # Two leases' time, well inside the 12 s hold however slow each
        # query is on a loaded machine (a count of queries was not).
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            until = self.db.query("SELECT extract(epoch FROM lease_until - now()) FROM recipient")
            self.assertTrue(until and float(until) > 0, f"the lease lapsed ({until!r})")
            time.sleep(0.5)
        slow.wait_count(1, timeout=30)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", timeout=30, what="the queue to empty")
        time.sleep(1)
        self.assertEqual(received_ids(slow.messages), [qid])
        self.assertEqual(other.count(), 0, "the second gateway took over a delivery under way")

    def test_killing_one_of_two_gateways_mid_batch_loses_nothing(self):
        # A sink slow enough that the batch is still under way at the kill.
        sink = self.sink(behaviour=lambda envelope: time.sleep(0.01))
        routes = [("dest.test", f"127.0.0.1:{sink.port}")]
        a = self.gateway(routes, name="a")
        b = self.gateway(routes, name="b")
        r = smtp_source(a.port, 1000, 10)
        self.assertEqual(r.returncode, 0, r.stderr)
        accepted = set(re.findall(r"([0-9A-Z]{10}) queued from=", a.log()))
        self.assertEqual(len(accepted), 1000)
        wait_for(lambda: sink.count() >= 100, timeout=60, what="the batch to be under way")
        b.kill9()
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", timeout=120, what="a to finish b's work")
        delivered = set(received_ids(sink.messages))
        self.assertEqual(accepted - delivered, set(), "messages were lost")

    def test_database_outage_answers_451_and_recovers(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        swaks(gw.port, "bob@dest.test", data="Subject: before\r\n\r\nx\r\n")   # warms the key block
        sink.wait_count(1)
        c = Smtp.at_data(gw.port, rcpt="bob@dest.test")
        pg_stop()
        try:
            c.send("Subject: during\r\n\r\nx\r\n.\r\n")
            code, lines = c.reply()
            self.assertEqual(code, 451, lines)
            self.assertTrue(lines[0].startswith("451 4.3.0"), lines)
            self.assertEqual(gw.http("/readyz")[0], 503)
            # The session goes on: a new transaction is answered, never 5xx.
            self.assertEqual(c.cmd("RSET")[0], 250)
        finally:
            pg_start()
        c.cmd("MAIL FROM:<a@corp.test>")
        c.cmd("RCPT TO:<bob@dest.test>")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send("Subject: after\r\n\r\nx\r\n.\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 250, lines)
        c.cmd("QUIT")
        sink.wait_count(2, timeout=60)
        self.assertIn(b"Subject: after", sink.messages[1].original_content)
        wait_for(lambda: gw.http("/readyz")[0] == 200, what="ready again")
        self.assertIn("commit failed", gw.log())


class ServiceManager(GatewayTest):
    """systemd's Type=notify contract: READY=1 once the gateway serves,
    STOPPING=1 on SIGTERM, over the datagram socket named by NOTIFY_SOCKET
    (what systemd does, with a socket of our own in its place)."""

    def test_ready_and_stopping_reach_the_notify_socket(self):
        path = os.path.join(self.workdir, "notify")
        manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(manager.close)
        manager.bind(path)
        manager.settimeout(30)
        gw = self.gateway([], env=dict(os.environ, NOTIFY_SOCKET=path))
        self.assertEqual(manager.recv(4096), b"READY=1")
        # Ready means serving: the SMTP port greets at once.
        c = Smtp(gw.port)
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertIn("libsystemd", open(f"/proc/{gw.proc.pid}/maps").read())
        self.assertEqual(gw.stop(), 0)
        self.assertEqual(manager.recv(4096), b"STOPPING=1")

    def test_without_a_service_manager_nothing_is_sent_nor_loaded(self):
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        gw = self.gateway([], env=env)
        c = Smtp(gw.port)
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertNotIn("libsystemd", open(f"/proc/{gw.proc.pid}/maps").read())
        self.assertEqual(gw.stop(), 0)


if __name__ == "__main__":
    unittest.main()
