"""A 250 is never premature: a TCP proxy between the gateway and PostgreSQL
drops the connection at each point of a group commit (before the
statements, after their results but before the Sync, after the commit but
before ReadyForQuery, after ReadyForQuery). Every message answered 250 is
delivered, once; every other one got a 4xx and, sent again, is delivered
once. The same for the committer's large lane (bodies of 1 MiB and more
commit on a connection of their own).

The lease is longer than the test waits: every recipient is delivered by
the gateway that took it, without waiting for a lease to lapse, also when
the commit's outcome had to be learned from the ledger."""

import re
import unittest

from harness import GatewayTest, Smtp, free_port, wait_for
from pg_fault_proxy import PgFaultProxy


class CommitFaults(GatewayTest):
    def run_mode(self, mode, body_lines=1):
        sink = self.sink()
        host = re.search(r"host=(\S+)", self.db.dsn).group(1)
        port = int(re.search(r"port=(\d+)", self.db.dsn).group(1))
        proxy = PgFaultProxy(free_port(), host, port, mode, on_commit=3)
        self.cleanups.append(proxy.stop)
        via_proxy = re.sub(r"port=\d+", f"port={proxy.listen_port}", self.db.dsn) + \
            " sslmode=disable gssencmode=disable"
        original = self.db.dsn
        self.db.dsn = via_proxy
        try:
            g = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")], lease="120s")
        finally:
            self.db.dsn = original

        def send(subject):
            c = Smtp(g.port)
            c.reply()
            c.cmd("EHLO client.test")
            c.cmd("MAIL FROM:<a@corp.test>")
            c.cmd("RCPT TO:<b@dest.test>")
            c.cmd("DATA")
            body = "body\r\n" if body_lines == 1 else f"{subject} line of a large body\r\n" * body_lines
            c.send(f"Subject: {subject}\r\nMessage-ID: <{subject}@corp.test>\r\n\r\n{body}.\r\n")
            code, lines = c.reply()
            c.cmd("QUIT")
            c.close()
            return code, lines

        subjects = [f"{mode}-{i}" for i in range(6)]
        answers = {s: send(s) for s in subjects}
        self.assertTrue(proxy.fired, f"{mode}: the fault never fired")
        for s, (code, lines) in answers.items():
            self.assertIn(code, (250, 451), (mode, s, lines))
            if code != 250:
                code, lines = send(s)
                self.assertEqual(code, 250, (mode, s, "sent again", lines))
        sink.wait_count(len(subjects), timeout=60)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", timeout=60, what="the queue to empty")
        got = sorted(re.search(rb"Subject: (\S+)", m.original_content).group(1).decode() for m in sink.messages)
        self.assertEqual(got, sorted(subjects), f"{mode}: every message delivered exactly once")

    def test_drop_before_statements(self):
        self.run_mode("before_statements")

    def test_drop_after_results_before_sync(self):
        self.run_mode("before_sync")

    def test_drop_after_commit_before_ready_for_query(self):
        self.run_mode("before_ready")

    def test_drop_after_ready_for_query(self):
        self.run_mode("after_ready")

    def test_large_lane_drop_after_results_before_sync(self):
        self.run_mode("before_sync", body_lines=40000)   # about 1.3 MB

    def test_large_lane_drop_after_commit_before_ready_for_query(self):
        self.run_mode("before_ready", body_lines=40000)


if __name__ == "__main__":
    unittest.main()
