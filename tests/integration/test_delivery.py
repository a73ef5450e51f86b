"""Delivery to next hops that misbehave: slow multi-line replies at every
step, temporary then permanent failures, DSNs, expiry."""

import email
import re
import time
import unittest

from harness import GatewayTest, free_port, swaks, wait_for  # noqa: I001 (puts tests/peers on the path)
from flaky_sink import FlakySink
from slow_multiline import SlowMultilinePeer


class Delivery(GatewayTest):
    def test_multiline_replies_split_and_slow_at_every_step(self):
        for pipelining in (False, True):
            with self.subTest(pipelining=pipelining):
                peer = SlowMultilinePeer(pause=2.0, pipelining=pipelining).start()
                self.cleanups.append(peer.stop)
                gw = self.gateway([("slow.test", f"127.0.0.1:{peer.port}")], name=f"gw{int(pipelining)}")
                swaks(gw.port, "ops@slow.test", data="Subject: slow\r\n\r\nhello slow peer\r\n")
                wait_for(lambda: peer.messages, timeout=90, what="delivery to the slow peer")
                mail_from, rcpts, data = peer.messages[0]
                self.assertEqual((mail_from, rcpts), ("alice@corp.test", ["ops@slow.test"]))
                self.assertIn(b"\r\n\r\nhello slow peer\r\n", data)
                wait_for(lambda: "status=sent (smtp; 250 2.0.0 Ok: queued / as SLOW1)" in gw.log(), timeout=30,
                         what="the sent log line")
                self.assertNotIn("deferred", gw.log())
                wait_for(lambda: gw.metrics().get("x400gw_smtp_client_sessions_open") == 0.0, timeout=30,
                         what="the client gauge at 0")
                gw.stop()

    def test_temporary_failure_then_success(self):
        port = free_port()
        sink = FlakySink(["451 4.3.0 Try again later", "250 2.0.0 Ok"], port).start()
        self.cleanups.append(sink.stop)
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}")])
        swaks(gw.port, "bob@dest.test", data="Subject: retry\r\n\r\nretry me\r\n")
        wait_for(lambda: sink.accepted, timeout=30, what="the retried delivery")
        # The sink has answered 250; the gateway logs once it has read it.
        log = wait_for(lambda: re.search(r"to=<bob@dest.test>, .*attempts=2, dsn=2.0.0, status=sent", gw.log())
                       and gw.log(), what="the sent line")
        self.assertRegex(log, r"to=<bob@dest.test>, .*attempts=1, dsn=4.3.0, status=deferred")
        self.assertEqual(sink.attempts, 2)
        wait_for(lambda: gw.metrics().get("x400gw_messages_deferred_total") == 1.0, what="deferred counter")

    def test_permanent_failure_sends_a_dsn_to_the_sender(self):
        port = free_port()
        sink = FlakySink(["550 5.1.1 <bob@dest.test>: no such user"], port).start()
        self.cleanups.append(sink.stop)
        home = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}"), ("corp.test", f"127.0.0.1:{home.port}")])
        r = swaks(gw.port, "bob@dest.test", sender="alice@corp.test",
                  data="Subject: doomed\r\nMessage-ID: <doomed-1@corp.test>\r\n\r\nsecret\r\n")
        qid = __import__("re").search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1)
        home.wait_count(1, timeout=30)
        dsn = home.messages[0]
        self.assertEqual(dsn.mail_from, "<>")
        self.assertEqual(dsn.rcpt_tos, ["alice@corp.test"])
        msg = email.message_from_bytes(dsn.original_content)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        parts = [p.get_content_type() for p in msg.walk()]
        self.assertEqual(parts[0], "multipart/report")
        self.assertIn("message/delivery-status", parts)
        self.assertIn("text/rfc822-headers", parts)
        text = dsn.original_content.decode()
        self.assertIn("Final-Recipient: rfc822; bob@dest.test", text)
        self.assertIn("Action: failed", text)
        self.assertIn("Status: 5.1.1", text)
        self.assertIn("Diagnostic-Code: smtp; 550 5.1.1 <bob@dest.test>: no such user", text)
        self.assertIn("Message-ID: <doomed-1@corp.test>", text)
        self.assertIn(qid, text)
        self.assertNotIn("secret", text)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="both messages done")
        self.assertRegex(gw.log(), qid + r" to=<bob@dest.test>, .*dsn=5.1.1, status=bounced")
        self.assertIn(qid + " sender non-delivery notification: ", gw.log())

    def test_null_sender_gets_no_dsn(self):
        port = free_port()
        sink = FlakySink(["550 5.1.1 no such user"], port).start()
        self.cleanups.append(sink.stop)
        home = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}"), ("*", f"127.0.0.1:{home.port}")])
        swaks(gw.port, "bob@dest.test", sender="<>", data="Subject: bounce of a bounce\r\n\r\nx\r\n")
        wait_for(lambda: "status=bounced" in gw.log(), timeout=30, what="the bounce")
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message removed")
        time.sleep(1.0)
        self.assertEqual(home.count(), 0)
        self.assertNotIn("non-delivery notification", gw.log())

    def test_expiry_fails_with_a_dsn(self):
        port = free_port()
        sink = FlakySink(["421 4.4.2 busy, always"], port).start()
        self.cleanups.append(sink.stop)
        home = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}"), ("corp.test", f"127.0.0.1:{home.port}")],
                          retry={"first_delay": "1s", "max_delay": "1s", "lifetime": "4s", "jitter": 0.0})
        swaks(gw.port, "bob@dest.test", data="Subject: too late\r\n\r\nx\r\n")
        home.wait_count(1, timeout=40)
        text = home.messages[0].original_content.decode()
        self.assertIn("Status: 4.4.7", text)
        self.assertIn("delivery time expired", text)
        self.assertRegex(gw.log(), r"dsn=4.4.7, status=bounced \(delivery time expired")
        self.assertGreaterEqual(sink.attempts, 2)

    def test_unreachable_next_hop_defers(self):
        gw = self.gateway([("dest.test", f"127.0.0.1:{free_port()}")])
        swaks(gw.port, "bob@dest.test", data="Subject: nobody home\r\n\r\nx\r\n")
        wait_for(lambda: "status=deferred" in gw.log(), timeout=30, what="the deferral")
        self.assertRegex(gw.log(), r"relay=none, .*dsn=4.4.1, status=deferred \(connect to 127.0.0.1:\d+: Connection refused")
        self.assertEqual(self.db.query("SELECT state FROM recipient"), "deferred")


if __name__ == "__main__":
    unittest.main()
