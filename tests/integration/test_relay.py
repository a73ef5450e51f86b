"""swaks -> x400gw -> aiosmtpd, and the ESMTP server's protocol rules over
real sockets."""

import re
import time
import unittest

from harness import GatewayTest, Smtp, received_ids, swaks, wait_for

BODY = ("Subject: relay test\r\nFrom: alice@corp.test\r\nTo: bob@dest.test\r\n"
        "Message-ID: <relay-1@corp.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        "\r\nline one\r\n.leading dot\r\n..two dots\r\n\r\nlast line\r\n")


class Relay(GatewayTest):
    def test_message_arrives_byte_identical_but_for_received(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        r = swaks(gw.port, "bob@dest.test", data=BODY)
        self.assertRegex(r.stdout, r"<-  250 2\.0\.0 Ok: queued as [0-9A-Z]{10}")
        qid = re.search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1)
        sink.wait_count(1)
        m = sink.messages[0]
        self.assertEqual(m.mail_from, "alice@corp.test")
        self.assertEqual(m.rcpt_tos, ["bob@dest.test"])
        content = m.original_content
        self.assertTrue(content.startswith(b"Received: from client.test ([127.0.0.1])\r\n\tby gw.test (x400gw) with ESMTP id " + qid.encode()))
        # Everything after our Received header is what swaks sent.
        end = content.index(b"\r\n", content.index(b"\tfor <bob@dest.test>;")) + 2
        self.assertEqual(content[end:], BODY.encode() + b"\r\n", content[end:])
        self.assertEqual(received_ids([m]), [qid])
        # The sink has the message when its 250 leaves; the gateway logs the
        # delivery once that 250 arrives, which may be a moment later.
        sent = re.compile(qid + r" to=<bob@dest.test>, relay=127.0.0.1\[127.0.0.1\]:\d+, delay=[\d.]+, "
                                r"attempts=1, dsn=2.0.0, status=sent \(smtp; 250 2.0.0 Ok: stored\)")
        wait_for(lambda: sent.search(gw.log()), what="the delivery's log line")
        self.assertRegex(gw.log(), qid + r" queued from=<alice@corp.test> nrcpt=1 size=\d+ session=S")
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message to be removed")
        wait_for(lambda: gw.metrics().get("x400gw_messages_delivered_total") == 1.0, what="delivered counter")
        self.assertEqual(gw.metrics()["x400gw_messages_received_total"], 1.0)

    def test_a_mail_loop_is_refused(self):
        # RFC 5321 6.3: [limits] max_hops Received: fields (here 10) is a loop.
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")], extra_top="[limits]\nmax_hops = 10\n")
        hops = "".join(f"Received: from hop{i}.test by hop{i + 1}.test; Mon, 7 Dec 2026 10:00:00 +0000\r\n"
                       for i in range(10))
        c = Smtp.at_data(gw.port)
        code, lines = c.cmd(hops + "Subject: loop\r\n\r\nround and round\r\n.")
        self.assertEqual((code, lines[-1][:9]), (554, "554 5.4.6"), lines)
        self.assertIn("dsn=5.4.6 (mail loop: 10 Received: fields)", gw.log())
        # One hop fewer is mail like any other.
        c = Smtp.at_data(gw.port)
        code, lines = c.cmd(hops[hops.index("\r\n") + 2:] + "Subject: nine\r\n\r\nx\r\n.")
        self.assertEqual(code, 250, lines)
        sink.wait_count(1)

    def test_one_octet_per_write_and_pipelined_end_of_data(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp(gw.port)
        self.assertEqual(c.reply()[0], 220)
        code, lines = c.cmd("EHLO client.test")
        self.assertEqual(code, 250)
        for kw in ("PIPELINING", "SIZE 52428800", "8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN"):
            self.assertIn("250-" + kw, lines)
        self.assertEqual(lines[-1], "250 MT-PRIORITY")
        self.assertNotIn("250-REQUIRETLS", lines, "offered under TLS only")
        # One octet per write, the whole transaction.
        wire = ("MAIL FROM:<a@corp.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n"
                "Subject: bytewise\r\n\r\nbody\r\n..dot\r\n.\r\n")
        for ch in wire:
            c.send(ch)
        self.assertEqual(c.reply()[1], ["250 2.1.0 Ok"])
        self.assertEqual(c.reply()[1], ["250 2.1.5 Ok"])
        self.assertEqual(c.reply()[0], 354)
        code, lines = c.reply()
        self.assertEqual(code, 250)
        self.assertRegex(lines[0], r"^250 2\.0\.0 Ok: queued as [0-9A-Z]{10}$")
        # End of data and the next transaction's commands in one write.
        c.send("MAIL FROM:<a@corp.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[0], 354)
        c.send("Subject: second\r\n\r\nx\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<b@dest.test>\r\nBDAT 24 LAST\r\nSubject: third\r\n\r\nBDAT\r\nQUIT\r\n")
        self.assertEqual(c.reply()[0], 250)   # second queued
        self.assertEqual(c.reply()[0], 250)   # MAIL
        self.assertEqual(c.reply()[0], 250)   # RCPT
        code, lines = c.reply()               # BDAT LAST: third queued
        self.assertEqual(code, 250, lines)
        self.assertIn("queued as", lines[0])
        self.assertEqual(c.reply()[0], 221)
        sink.wait_count(3)
        bodies = sorted(m.original_content.split(b"\r\n\r\n", 1)[1] for m in sink.messages)
        self.assertEqual(bodies, [b"BDAT\r\n", b"body\r\n.dot\r\n", b"x\r\n"])

    def test_every_recipient_once_whether_handed_over_or_claimed(self):
        # A message committed while the scheduler has room goes to it from
        # memory, its recipients born leased; one committed while it is full
        # (max_in_flight) is claimed later. A slow next hop keeps it full,
        # so both happen here, with recipients on two next hops.
        def slow(envelope):
            time.sleep(0.15)
        near, far = self.sink(behaviour=slow), self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{near.port}"), ("other.test", f"127.0.0.1:{far.port}")],
                          extra="max_in_flight = 2")
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        for i in range(12):
            self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[0], 250)
            for rcpt in (f"one{i}@dest.test", f"two{i}@other.test", f"three{i}@dest.test"):
                self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            self.assertEqual(c.cmd(f"Subject: m{i}\r\n\r\nbody {i}\r\n.")[0], 250)
        c.cmd("QUIT")
        near.wait_count(12, timeout=60)
        far.wait_count(12)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the queue to empty")
        time.sleep(0.5)

        def delivered(sink):
            return sorted((m.original_content.split(b"\r\n\r\n", 1)[1].decode(), tuple(m.rcpt_tos))
                          for m in sink.messages)
        self.assertEqual(delivered(near), sorted((f"body {i}\r\n", (f"one{i}@dest.test", f"three{i}@dest.test"))
                                                 for i in range(12)))
        self.assertEqual(delivered(far), sorted((f"body {i}\r\n", (f"two{i}@other.test",)) for i in range(12)))
        m = gw.metrics()
        self.assertEqual(m["x400gw_messages_delivered_total"], 36.0)
        # Both paths ran, and between them they gave delivery each recipient once.
        handed, claimed = (m[f'x400gw_delivery_scheduled_total{{path="{p}"}}'] for p in ("handoff", "claim"))
        self.assertGreater(handed, 0)
        self.assertGreater(claimed, 0)
        self.assertEqual(handed + claimed, 36.0)

    def test_a_stop_right_after_delivery_leaves_nothing_to_send_again(self):
        # Delivered messages wait a moment to be deleted together; a stop
        # writes them first, so none is left queued to be sent twice.
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        for i in range(30):
            self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[0], 250)
            self.assertEqual(c.cmd(f"RCPT TO:<r{i}@dest.test>")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            self.assertEqual(c.cmd(f"Subject: m{i}\r\n\r\nbody {i}\r\n.")[0], 250)
        c.cmd("QUIT")
        sink.wait_count(30)
        self.assertEqual(gw.stop(), 0)
        self.assertEqual(self.db.query("SELECT count(*) FROM message"), "0")
        self.assertEqual(self.db.query("SELECT count(*) FROM recipient"), "0")
        self.assertNotIn("cannot record", gw.log())

    def test_smuggled_end_of_data_is_body_content(self):
        # The SMTP smuggling sequences: none of them ends the data, so the
        # "second message" after each is content of the one real message.
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp.at_data(gw.port)
        forged = "MAIL FROM:<admin@corp.test>\r\nRCPT TO:<victim@dest.test>\r\nDATA\r\nSubject: forged\r\n\r\nx\r\n"
        c.send("Subject: real\r\n\r\nbody\n.\r\n" + forged + "\r\n.\n" + forged + "\n.\n" + forged + ".\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 250, lines)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        sink.wait_count(1)
        time.sleep(0.5)
        self.assertEqual(sink.count(), 1)
        m = sink.messages[0]
        self.assertEqual(m.rcpt_tos, ["b@dest.test"])
        body = m.original_content.split(b"\r\n\r\n", 1)[1]
        self.assertEqual(body.count(b"RCPT TO:<victim@dest.test>"), 3, body)
        # Delivered with every line end CRLF, and the lone dots stuffed (or
        # the sink would have ended the data at the first and seen a second
        # message).
        self.assertNotRegex(body, rb"(?<!\r)\n")
        self.assertEqual(body.count(b"\r\n.\r\n"), 3, body)
        self.assertEqual(self.db.query("SELECT count(*) FROM message WHERE sender = 'admin@corp.test'"), "0")

    def test_replies_and_enhanced_status_codes(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp(gw.port)
        c.reply()
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[1], ["503 5.5.1 Send EHLO or HELO first"])
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd("RCPT TO:<b@dest.test>")[1], ["503 5.5.1 Need MAIL command"])
        self.assertEqual(c.cmd("DATA")[1], ["503 5.5.1 Need MAIL command"])
        self.assertEqual(c.cmd("FROB")[1], ["500 5.5.1 Command unrecognized"])
        self.assertEqual(c.cmd("NOOP " + "x" * 600)[1], ["500 5.5.2 Line too long"])
        self.assertEqual(c.cmd("MAIL FROM:a@corp.test>")[0], 501)
        # Without angle brackets, as Postfix takes it by default (old clients send it so).
        self.assertEqual(c.cmd("MAIL FROM:a@corp.test")[1], ["250 2.1.0 Ok"])
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test> SIZE=99999999999")[1][0][:9], "552 5.3.4")
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test> XYZ=1")[1][0][:9], "555 5.5.4")
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[1], ["503 5.5.1 Nested MAIL command"])
        self.assertEqual(c.cmd("RCPT TO:<x@nowhere.test>")[1][0][:9], "550 5.7.1")
        self.assertEqual(c.cmd("RCPT TO:<bad address>")[1][0][:9], "501 5.1.3")
        self.assertEqual(c.cmd("DATA")[1], ["554 5.5.1 No valid recipients"])
        self.assertEqual(c.cmd("VRFY bob")[0], 252)
        self.assertEqual(c.cmd("HELP")[0], 214)
        self.assertEqual(c.cmd("NOOP")[1], ["250 2.0.0 Ok"])
        self.assertEqual(c.cmd("RSET")[1], ["250 2.0.0 Ok"])
        self.assertEqual(c.cmd("STARTTLS")[0], 502)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())
        m = wait_for(lambda: (gw.metrics().get("x400gw_smtp_server_sessions_open") == 0.0) and gw.metrics(),
                     what="the session gauge to return to 0")
        self.assertGreater(m['x400gw_smtp_server_rejections_total{code_class="5xx",enhanced="5.5"}'], 0)

    def test_message_size_limit_at_end_of_data(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        with open(gw.config) as f:
            text = f.read()
        gw.stop()
        with open(gw.config, "w") as f:
            f.write(text.replace("[delivery]", "[limits]\nmessage_size = 2048\n\n[delivery]"))
        gw.start()
        c = Smtp.at_data(gw.port)
        c.send("Subject: big\r\n\r\n" + ("x" * 70 + "\r\n") * 100 + ".\r\n")
        self.assertEqual(c.reply()[1][0][:9], "552 5.3.4")
        self.assertEqual(c.cmd("NOOP")[0], 250)   # still in step
        c.cmd("QUIT")
        time.sleep(0.5)
        self.assertEqual(sink.count(), 0)

    def test_session_gauge_balances_on_reset_connections(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        for _ in range(5):
            c = Smtp(gw.port)
            c.reply()
            c.send("EHLO x\r\nMAIL FROM:<a@corp.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\npartial")
            c.close()
        wait_for(lambda: gw.metrics().get("x400gw_smtp_server_sessions_open") == 0.0, what="gauge at 0")
        self.assertEqual(self.db.query("SELECT count(*) FROM message"), "0")

    def test_admin_endpoints(self):
        gw = self.gateway([("dest.test", "127.0.0.1:9")])
        status, ctype, text = gw.http("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"))
        for name in ("x400gw_messages_received_total", "x400gw_messages_delivered_total",
                     "x400gw_messages_deferred_total", "x400gw_messages_failed_total", "x400gw_queue_messages",
                     "x400gw_smtp_server_sessions_open", "x400gw_smtp_client_sessions_open",
                     "x400gw_delivery_latency_seconds_bucket", "x400gw_db_commit_duration_seconds_bucket",
                     "x400gw_build_info"):
            self.assertIn(name, text)
        self.assertEqual(gw.http("/healthz")[0], 200)
        self.assertEqual(gw.http("/readyz")[0], 200)
        status, ctype, body = gw.http("/nope")
        self.assertEqual(status, 404)
        self.assertEqual(ctype, "application/problem+json")

    def test_sigterm_exits_zero_and_answers_421(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        gw.proc.send_signal(__import__("signal").SIGTERM)
        code, lines = c.reply()
        self.assertEqual(code, 421)
        self.assertEqual(gw.stop(), 0)
        self.assertIn("stopped", gw.log())


if __name__ == "__main__":
    unittest.main()
