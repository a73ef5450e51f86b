"""MIME through the gateway: the Exchange incident (a part with an empty
Content-Type: once hung a peer gateway) and the 7-bit downgrade for a next
hop without 8BITMIME."""

import email
import email.policy
import re
import unittest

from harness import GatewayTest, Smtp, swaks, wait_for  # noqa: I001 (puts tests/peers on the path)
from slow_multiline import SlowMultilinePeer

EXCHANGE = (
    "From: connector@exchange.test\r\nTo: bob@dest.test\r\nSubject: empty content type\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nfirst part\r\n"
    "--b1\r\nContent-Type:\r\n\r\nsecond part, empty Content-Type\r\n"
    "--b1--\r\n")

EIGHT_BIT = ("From: a@corp.test\r\nTo: ops@slow.test\r\nSubject: caf\xe9\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             "caf\xe9 cr\xe8me br\xfbl\xe9e\r\n")


class Mime(GatewayTest):
    def test_exchange_empty_content_type_arrives_valid(self):
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        swaks(gw.port, "bob@dest.test", data=EXCHANGE)
        sink.wait_count(1)
        raw = sink.messages[0].original_content
        self.assertIsNone(re.search(rb"(?im)^content-type:[ \t]*\r?\n(?![ \t])", raw), raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        types = [p.get_content_type() for p in msg.walk()]
        self.assertEqual(types, ["multipart/mixed", "text/plain", "text/plain"])
        for part in msg.walk():
            self.assertTrue(part["Content-Type"], part)
        self.assertEqual(msg.get_payload()[1].get_content().strip(), "second part, empty Content-Type")
        self.assertIn("mime repaired changes=", gw.log())
        self.assertIn("content_type", gw.log())
        m = gw.metrics()
        self.assertTrue(any(k.startswith("x400gw_mime_repairs_total{") for k in m), m.keys())

    def test_small_message_too_costly_for_the_io_thread_is_prepared_whole_on_the_pool(self):
        # Under 128 KiB, but 40 open boundaries against 20,000 "--" lines:
        # about 800,000 steps, past the I/O thread's allowance of 256 Ki.
        # The message must be prepared again on the MIME pool with the full
        # budget, not left as the allowance's opaque remainder.
        depth, lines = 40, 20000
        head = "From: a@corp.test\r\nTo: bob@dest.test\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
        body = ""
        for i in range(depth):
            body += f"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        body += "Content-Type: text/plain\r\n\r\n" + "--z\r\n" * lines + "last line\r\n"
        for i in reversed(range(depth)):
            body += f"--b{i}--\r\n"
        message = head + body
        self.assertLess(len(message), 128 * 1024)
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}")])
        c = Smtp.at_data(gw.port, rcpt="bob@dest.test")
        c.send(message.encode() + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        c.cmd("QUIT")
        sink.wait_count(1)
        raw = sink.messages[0].original_content
        self.assertNotIn("over_limit", gw.log())
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        leaves = [p for p in msg.walk() if not p.is_multipart()]
        self.assertEqual(len(leaves), 1)
        self.assertEqual(leaves[0].get_content_type(), "text/plain")
        text = leaves[0].get_content()
        self.assertEqual(text.count("--z"), lines)
        self.assertTrue(text.rstrip().endswith("last line"))

    def test_seven_bit_downgrade_for_a_hop_without_8bitmime(self):
        peer = SlowMultilinePeer(pause=0.0, eight_bit=False).start()
        self.cleanups.append(peer.stop)
        gw = self.gateway([("slow.test", f"127.0.0.1:{peer.port}")])
        swaks(gw.port, "ops@slow.test", data=EIGHT_BIT)   # swaks writes it as UTF-8
        wait_for(lambda: peer.messages, timeout=30, what="delivery")
        _, _, data = peer.messages[0]
        self.assertTrue(all(b < 128 for b in data), "an 8-bit octet reached a 7-bit next hop")
        msg = email.message_from_bytes(data, policy=email.policy.default)
        self.assertEqual(msg.get_content().strip(), "caf\xe9 cr\xe8me br\xfbl\xe9e")
        self.assertEqual(str(msg["Subject"]), "caf\xe9")
        self.assertIn("mime downgraded to 7bit", gw.log())

    def test_conversion_over_budget_is_quarantined_after_attempts(self):
        peer = SlowMultilinePeer(pause=0.0, eight_bit=False).start()
        self.cleanups.append(peer.stop)
        gw = self.gateway([("slow.test", f"127.0.0.1:{peer.port}")],
                          extra='quarantine_after = 2\nconversion_budget = "1ms"')
        big = EIGHT_BIT + ("caf\xe9 " * 15 + "\r\n") * 40000   # a few MB of 8-bit text: > 1 ms to convert
        c = Smtp.at_data(gw.port, rcpt="ops@slow.test")
        c.send(big.encode() + b".\r\n")
        self.assertEqual(c.reply()[0], 250)
        c.cmd("QUIT")
        wait_for(lambda: "status=quarantined" in gw.log(), timeout=60, what="the quarantine")
        log = gw.log()
        self.assertRegex(log, r"attempts=1, dsn=4.6.5, status=deferred \(conversion to 7 bit .* exceeds a MIME limit or its budget \(steps=\d+\)\)")
        self.assertRegex(log, r"attempts=2, dsn=4.6.5, status=quarantined")
        self.assertEqual(self.db.query("SELECT state FROM recipient"), "quarantined")
        self.assertEqual(peer.messages, [])
        wait_for(lambda: gw.metrics().get('x400gw_queue_messages{state="quarantined"}') == 1.0, timeout=30,
                 what="the quarantine gauge")
        self.assertEqual(gw.metrics()["x400gw_messages_quarantined_total"], 1.0)
        # The daemon is still serving.
        self.assertEqual(gw.http("/healthz")[0], 200)


if __name__ == "__main__":
    unittest.main()
