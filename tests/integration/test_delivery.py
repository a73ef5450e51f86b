"""Delivery to next hops that misbehave: slow multi-line replies at every
step, temporary then permanent failures, DSNs, expiry."""

import email
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, GatewayTest, Smtp, free_port, swaks, wait_for  # noqa: I001 (puts tests/peers on the path)
from dns_server import DnsServer
from flaky_sink import FlakySink
from slow_multiline import SlowMultilinePeer


def flaky_next_hop(test, script, domain, retry):
    """A FlakySink answering `script` for `domain`, a sink for corp.test
    (where the senders' reports go) and a gateway routing to both."""
    port = free_port()
    sink = FlakySink(script, port).start()
    test.cleanups.append(sink.stop)
    home = test.sink()
    gw = test.gateway([(domain, f"127.0.0.1:{port}"), ("corp.test", f"127.0.0.1:{home.port}")], retry=retry)
    return sink, home, gw


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

    def test_one_next_hop_delivers_while_the_other_defers(self):
        # A delivered job whose message keeps another recipient is not
        # deleted with the delivered messages of its moment: its outcome is
        # recorded on its own, and the message goes once the other is
        # delivered too.
        port = free_port()
        flaky = FlakySink(["451 4.3.0 Try again later", "250 2.0.0 Ok"], port).start()
        self.cleanups.append(flaky.stop)
        sink = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{sink.port}"), ("flaky.test", f"127.0.0.1:{port}")],
                          retry={"first_delay": "3s", "max_delay": "3s", "lifetime": "1d"})
        swaks(gw.port, "ann@dest.test,bob@flaky.test", data="Subject: two hops\r\n\r\nsplit\r\n")
        sink.wait_count(1)
        wait_for(lambda: self.db.query("SELECT state FROM recipient WHERE address = 'ann@dest.test'") == "delivered"
                 and self.db.query("SELECT state FROM recipient WHERE address = 'bob@flaky.test'") == "deferred",
                 what="one recipient delivered, the other deferred")
        self.assertEqual(self.db.query("SELECT count(*) FROM message"), "1")
        wait_for(lambda: flaky.accepted, timeout=30, what="the retried delivery")
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message to go")
        self.assertEqual(sink.count(), 1)
        self.assertEqual(len(flaky.accepted), 1)
        self.assertNotIn("cannot record", gw.log())

    def test_a_message_deleted_by_hand_takes_its_recipients(self):
        # A DELETE of messages from anywhere (an administrator's SQL, a
        # process of another version) takes their recipients and their
        # history with them: recipient's and attempt's foreign keys
        # cascade. Dropping recipient's key was measured and not kept
        # (docs/performance.md, "The recipient's foreign key").
        port = free_port()
        flaky = FlakySink(["451 4.3.0 Try again later"], port).start()
        self.cleanups.append(flaky.stop)
        gw = self.gateway([("flaky.test", f"127.0.0.1:{port}")],
                          retry={"first_delay": "1h", "max_delay": "1h", "lifetime": "1d"})
        for subject in ("one", "two"):
            swaks(gw.port, "ann@flaky.test,bob@flaky.test", data=f"Subject: {subject}\r\n\r\nkept\r\n")
        wait_for(lambda: self.db.query("SELECT count(*) FROM recipient WHERE state = 'deferred'") == "4"
                 and self.db.query("SELECT count(*) FROM attempt") == "4", what="four recipients deferred")
        self.db.query("DELETE FROM message WHERE id = (SELECT min(id) FROM message)")
        self.assertEqual(self.db.query("SELECT count(*) FROM recipient"), "2")
        self.assertEqual(self.db.query("SELECT count(*) FROM attempt"), "2")
        self.db.query("DELETE FROM message")
        self.assertEqual(self.db.query("SELECT count(*) FROM recipient"), "0")
        self.assertEqual(self.db.query("SELECT count(*) FROM attempt"), "0")

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
        sink, home, gw = flaky_next_hop(self, ["421 4.4.2 busy, always"], "dest.test",
                                        {"first_delay": "1s", "max_delay": "1s", "lifetime": "4s", "jitter": 0.0})
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


class DsnExtension(GatewayTest):
    """RFC 3461 end to end: the parameters are taken, kept in the queue,
    passed on to a next hop that offers DSN (Postfix's smtp-sink, which
    writes what it was given into the message), and acted on where the next
    hop does not (aiosmtpd)."""

    def transaction(self, port, mail, rcpts, subject):
        c = Smtp(port)
        c.reply()
        code, lines = c.cmd("EHLO client.test")
        self.assertIn("DSN", [line[4:] for line in lines])
        for command in [mail] + rcpts:
            code, lines = c.cmd(command)
            self.assertEqual(code, 250, (command, lines))
        self.assertEqual(c.cmd("DATA")[0], 354)
        code, lines = c.cmd(f"Subject: {subject}\r\nMessage-ID: <{subject}@corp.test>\r\n\r\nthe body\r\n.")
        self.assertEqual(code, 250, lines)
        c.cmd("QUIT")
        return re.search(r"queued as ([0-9A-Z]{10})", lines[-1]).group(1)

    def first_report(self, home, subject):
        """The text of the first message at `home`: a report, from <>, with `subject`."""
        home.wait_count(1, timeout=30)
        report = home.messages[0]
        self.assertEqual(report.mail_from, "<>")
        text = report.original_content.decode()
        self.assertIn(f"Subject: {subject}\r\n", text)
        return text

    def test_parameters_reach_a_next_hop_that_offers_dsn(self):
        # smtp-sink runs as nobody, who must reach the directory.
        dump = tempfile.mkdtemp(prefix="x400gw-smtp-sink-")
        os.chmod(dump, 0o777)
        self.cleanups.append(lambda: shutil.rmtree(dump, ignore_errors=True))
        port = free_port()
        home = self.sink()
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}"), ("corp.test", f"127.0.0.1:{home.port}")],
                          retry={"first_delay": "1s", "max_delay": "1s", "lifetime": "1h", "jitter": 0.0})
        # The next hop is down at first: the parameters wait in the queue,
        # and the retry (a claim, not the hand-over from memory) has them.
        self.transaction(gw.port, "MAIL FROM:<alice@corp.test> RET=HDRS ENVID=QQ+2B314+3D",
                         ["RCPT TO:<bob@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@dest.test",
                          "RCPT TO:<carol@dest.test>"], "passed-on")
        wait_for(lambda: "status=deferred" in gw.log(), what="the first attempt deferred")
        self.assertEqual(self.db.query("SELECT dsn_ret || ' ' || dsn_envid FROM message"), "HDRS QQ+314=")
        self.assertEqual(self.db.query("SELECT address || ' ' || coalesce(notify, '-') || ' ' || coalesce(orcpt, '-') "
                                       "FROM recipient ORDER BY id"),
                         "bob@dest.test SUCCESS,FAILURE rfc822;Bob+x@dest.test\ncarol@dest.test - -")
        sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "-d", dump + "/%H%M%S.", f"127.0.0.1:{port}", "10"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cleanups.append(sink.kill)
        files = wait_for(lambda: os.listdir(dump), what="the message at smtp-sink")
        with open(os.path.join(dump, files[0]), errors="replace") as f:
            text = f.read()
        self.assertIn("X-Mail-Args: <alice@corp.test> RET=HDRS ENVID=QQ+2B314+3D", text)
        self.assertIn("X-Rcpt-Args: <bob@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@dest.test", text)
        self.assertRegex(text, r"X-Rcpt-Args: <carol@dest.test>\n")
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message done")
        # The next hop took NOTIFY=SUCCESS on: the success is its to report.
        time.sleep(1.0)
        self.assertEqual(home.count(), 0)

    def test_notify_decides_what_the_sender_hears_where_the_next_hop_has_no_dsn(self):
        good, bad = free_port(), free_port()
        ok_sink = FlakySink(["250 2.0.0 Ok"], good).start()
        no_sink = FlakySink(["550 5.1.1 no such user"], bad).start()
        self.cleanups += [ok_sink.stop, no_sink.stop]
        home = self.sink()
        gw = self.gateway([("ok.test", f"127.0.0.1:{good}"), ("no.test", f"127.0.0.1:{bad}"),
                           ("corp.test", f"127.0.0.1:{home.port}")])
        # NOTIFY=SUCCESS to a next hop without DSN: a "relayed" report, with
        # the ENVID and ORCPT; NOTIFY=NEVER on a failure: nothing.
        relayed = self.transaction(gw.port, "MAIL FROM:<alice@corp.test> ENVID=env+2B1",
                                   ["RCPT TO:<bob@ok.test> NOTIFY=SUCCESS ORCPT=rfc822;Bob@ok.test",
                                    "RCPT TO:<eve@no.test> NOTIFY=NEVER"], "relayed")
        text = self.first_report(home, "Successful Mail Delivery Report")
        self.assertIn("Original-Envelope-Id: env+1\r\n", text)
        self.assertIn("Original-Recipient: rfc822; Bob@ok.test\r\nFinal-Recipient: rfc822; bob@ok.test\r\n"
                      "Action: relayed\r\nStatus: 2.0.0\r\n", text)
        self.assertNotIn("eve@no.test", text)
        self.assertIn(relayed, text)
        self.assertIn(relayed + " sender delivery notification: ", gw.log())
        self.assertRegex(gw.log(), relayed + r" to=<eve@no.test>, .*dsn=5.1.1, status=bounced")
        # NOTIFY=FAILURE with RET=FULL: the failure, and the message whole.
        failed = self.transaction(gw.port, "MAIL FROM:<alice@corp.test> RET=FULL",
                                  ["RCPT TO:<eve@no.test> NOTIFY=FAILURE"], "returned")
        home.wait_count(2, timeout=30)
        text = home.messages[1].original_content.decode()
        self.assertIn(failed, text)
        self.assertIn("Action: failed", text)
        msg = email.message_from_bytes(home.messages[1].original_content)
        self.assertIn("message/rfc822", [p.get_content_type() for p in msg.walk()])
        self.assertIn("the body", text)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="every message done")
        self.assertEqual(home.count(), 2)

    def test_a_delay_report_once_as_notify_allows(self):
        # A next hop that says "try later" for good: at [retry] delay_warning
        # the sender hears once that the message is delayed, for the
        # recipients whose NOTIFY does not leave DELAY out.
        sink, home, gw = flaky_next_hop(self, ["451 4.3.0 Try again later"], "slow.test",
                                        {"first_delay": "1s", "max_delay": "1s", "lifetime": "1h", "jitter": 0.0,
                                         "delay_warning": "3s"})
        qid = self.transaction(gw.port, "MAIL FROM:<alice@corp.test> RET=FULL ENVID=slow1",
                               ["RCPT TO:<bob@slow.test>", "RCPT TO:<carol@slow.test> NOTIFY=FAILURE",
                                "RCPT TO:<dave@slow.test> NOTIFY=DELAY"], "delayed")
        # A bounce never causes a report, a delay report neither.
        silent = self.transaction(gw.port, "MAIL FROM:<>", ["RCPT TO:<erin@slow.test>"], "silent")
        text = self.first_report(home, "Delayed Mail (still being retried)")
        self.assertIn("Original-Envelope-Id: slow1\r\n", text)
        for rcpt in ("bob", "dave"):
            self.assertRegex(text, f"Final-Recipient: rfc822; {rcpt}@slow.test\r\nAction: delayed\r\n"
                                   r"Status: 4\.3\.0\r\n")
        self.assertNotIn("carol@slow.test", text)
        self.assertRegex(text, r"Will-Retry-Until: \w{3}, \d\d \w{3} \d{4} ")
        self.assertNotIn("the body", text, "RET=FULL returns the message with a failure only")
        self.assertIn(qid + " sender delay notification: ", gw.log())
        # Once: the retries go on, and no second report comes.
        attempts = sink.attempts
        wait_for(lambda: sink.attempts >= attempts + 4, timeout=30, what="more attempts")
        self.assertEqual(home.count(), 1)
        self.assertEqual(self.db.query("SELECT count(*) FROM recipient WHERE delay_reported AND state = 'deferred'"),
                         "4")
        self.assertNotIn(silent + " sender", gw.log())


class RecipientLimits(GatewayTest):
    """Many recipients for one next hop: at most recipients_per_transaction
    in one transaction, and those a next hop refuses with 452 (too many
    recipients) in the next transaction at once, not after a backoff."""

    def send(self, port, rcpts):
        c = Smtp(port)
        c.reply()
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd("MAIL FROM:<alice@corp.test>")[0], 250)
        for rcpt in rcpts:
            self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        self.assertEqual(c.cmd("Subject: many\r\n\r\nbody\r\n.")[0], 250)
        c.cmd("QUIT")

    def test_a_452_sends_the_rest_in_the_next_transaction(self):
        port = free_port()
        sink = FlakySink(["250 2.0.0 Ok"], port, rcpt_limit=2).start()
        self.cleanups.append(sink.stop)
        # An hour's backoff: only a transaction at once delivers the rest in time.
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}")],
                          retry={"first_delay": "1h", "max_delay": "1h", "lifetime": "1d"})
        rcpts = [f"u{i}@dest.test" for i in range(5)]
        self.send(gw.port, rcpts)
        wait_for(lambda: sum(len(e.rcpt_tos) for e in sink.accepted) == 5, timeout=30, what="five recipients delivered")
        self.assertEqual([len(e.rcpt_tos) for e in sink.accepted], [2, 2, 1])
        self.assertEqual(sorted(r for e in sink.accepted for r in e.rcpt_tos), rcpts)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message done")
        self.assertNotIn("status=deferred", gw.log())

    def test_recipients_per_transaction(self):
        port = free_port()
        sink = FlakySink(["250 2.0.0 Ok"], port).start()
        self.cleanups.append(sink.stop)
        gw = self.gateway([("dest.test", f"127.0.0.1:{port}")], extra="recipients_per_transaction = 3\n")
        rcpts = [f"u{i}@dest.test" for i in range(7)]
        self.send(gw.port, rcpts)
        wait_for(lambda: sum(len(e.rcpt_tos) for e in sink.accepted) == 7, timeout=30, what="seven recipients delivered")
        self.assertEqual(sorted(len(e.rcpt_tos) for e in sink.accepted), [1, 3, 3])
        self.assertEqual(sorted(r for e in sink.accepted for r in e.rcpt_tos), rcpts)
        wait_for(lambda: self.db.query("SELECT count(*) FROM message") == "0", what="the message done")


class MxRouting(GatewayTest):
    """A route whose next hop is "mx": each recipient domain's MX hosts by
    preference (RFC 5321 5.1), the domain itself without MX, and an
    immediate failure for a domain that does not exist, has no address or
    says it takes no mail (null MX, RFC 7505)."""

    def test_delivery_by_mx(self):
        sink = self.sink()
        dns = DnsServer({
            ("dest.test", "MX"): [(20, "mx1.dest.test"), (10, "down.dest.test")],
            ("down.dest.test", "A"): ["127.0.0.2"],      # nothing listens there
            ("mx1.dest.test", "A"): ["127.0.0.1"],
            ("implicit.test", "A"): ["127.0.0.1"],       # no MX: the domain is its own host
            ("corp.test", "A"): ["127.0.0.1"],
            ("nomail.test", "MX"): [(0, "")],            # RFC 7505
            ("noaddr.test", "TXT"): [],                  # exists, no MX and no address
            ("self.test", "MX"): [(10, "GW.test"), (20, "mx1.dest.test")],   # we are its best MX
            ("xn--bcher-kva.test", "MX"): [(10, "mx1.dest.test")],           # b\u00fccher.test
        }, servfail=["broken.test"]).start()
        self.cleanups.append(dns.stop)
        gw = self.gateway([("*", f"mx:{sink.port}")], extra=f'dns_server = "127.0.0.1:{dns.port}"',
                          retry={"first_delay": "1h", "max_delay": "1h", "lifetime": "1d"})
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd("MAIL FROM:<alice@corp.test>")[0], 250)
        for rcpt in ("a@dest.test", "b@Implicit.test", "c@nomail.test", "d@missing.test", "e@noaddr.test",
                     "f@broken.test", "g@self.test"):
            self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250, rcpt)
        self.assertEqual(c.cmd("DATA")[0], 354)
        code, lines = c.cmd("Subject: by mx\r\n\r\nbody\r\n.")
        self.assertEqual(code, 250, lines)
        qid = re.search(r"queued as ([0-9A-Z]{10})", lines[-1]).group(1)
        c.cmd("QUIT")
        sink.wait_count(3)   # a, b and the report on c, d, e and g
        log = gw.log()
        self.assertRegex(log, qid + rf" to=<a@dest.test>, relay=mx1.dest.test\[127.0.0.1\]:{sink.port}, .*status=sent")
        self.assertRegex(log, qid + rf" to=<b@Implicit.test>, relay=implicit.test\[127.0.0.1\]:{sink.port}, "
                              r".*status=sent")
        self.assertRegex(log, qid + r" to=<c@nomail.test>, .*dsn=5\.1\.10, status=bounced")
        self.assertRegex(log, qid + r" to=<d@missing.test>, .*dsn=5\.4\.4, status=bounced")
        self.assertRegex(log, qid + r" to=<e@noaddr.test>, .*dsn=5\.4\.4, status=bounced")
        self.assertRegex(log, qid + r" to=<f@broken.test>, .*dsn=4\.4\.3, status=deferred")
        self.assertRegex(log, qid + r" to=<g@self.test>, .*dsn=5\.4\.6, status=bounced \(mail for self.test loops "
                              r"back to myself\)")
        self.assertLess(dns.queries.index(("down.dest.test", "A")), dns.queries.index(("mx1.dest.test", "A")),
                        "the lower preference first")
        report = [m for m in sink.messages if m.mail_from == "<>"]
        self.assertEqual(len(report), 1)
        self.assertEqual(report[0].rcpt_tos, ["alice@corp.test"])
        text = report[0].original_content.decode()
        for rcpt, status in (("c@nomail.test", "5.1.10"), ("d@missing.test", "5.4.4"), ("e@noaddr.test", "5.4.4"),
                             ("g@self.test", "5.4.6")):
            self.assertIn(f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n", text)
        # A domain of U-labels (SMTPUTF8) is looked up by its A-labels, and
        # delivered to its MX host (aiosmtpd offers SMTPUTF8).
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        for command, want in (("MAIL FROM:<alice@corp.test> SMTPUTF8", 250), ("RCPT TO:<h@b\u00fccher.test>", 250),
                              ("DATA", 354), ("Subject: idn\r\n\r\nx\r\n.", 250)):
            self.assertEqual(c.cmd(command)[0], want, command)
        wait_for(lambda: re.search(r"to=<h@b\S+cher.test>, relay=mx1.dest.test\[127.0.0.1\]:\d+, .*status=sent",
                                   gw.log()), what="the MX of the IDN reached")
        self.assertIn("h@b\u00fccher.test", [r for m in sink.messages for r in m.rcpt_tos])
        self.assertIn(("xn--bcher-kva.test", "MX"), dns.queries)

    def test_dns_server_over_ipv6(self):
        try:
            dns = DnsServer({("v6.test", "MX"): [(10, "mx.v6.test")], ("mx.v6.test", "A"): ["127.0.0.1"]},
                            host="::1").start()
        except OSError as e:
            self.skipTest(f"no IPv6 loopback here: {e}")
        self.cleanups.append(dns.stop)
        sink = self.sink()
        gw = self.gateway([("*", f"mx:{sink.port}")], extra=f'dns_server = "[::1]:{dns.port}"')
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        for command, want in (("MAIL FROM:<alice@corp.test>", 250), ("RCPT TO:<a@v6.test>", 250), ("DATA", 354),
                              ("Subject: v6\r\n\r\nx\r\n.", 250)):
            self.assertEqual(c.cmd(command)[0], want, command)
        sink.wait_count(1)
        self.assertIn(("v6.test", "MX"), dns.queries)
        # The address of an IPv6 server is written in brackets.
        conf = os.path.join(self.workdir, "v6.conf")
        for value, ok in ((f"[::1]:{dns.port}", True), (f"::1:{dns.port}", False), ("[::1]", False),
                          ("[::1]:0", False), ("dns.test:53", False), ("192.0.2.53:53", True)):
            with open(conf, "w") as f:
                f.write(f'[server]\nlisten = ["127.0.0.1:0"]\n[delivery]\ndns_server = "{value}"\n')
            r = subprocess.run([BIN, "--config", conf, "--check-config"], capture_output=True, text=True)
            self.assertEqual(r.returncode == 0, ok, (value, r.stderr))
            if not ok:
                self.assertIn("is not an IP address and port", r.stderr)


class SmtpUtf8(GatewayTest):
    """RFC 6531: UTF-8 addresses with SMTPUTF8, passed on to a next hop that
    offers it; to one that does not, only mail that is ASCII after all, the
    rest fails with 5.6.7 and a global report (RFC 6533)."""

    def test_utf8_mail_goes_where_smtputf8_is_offered(self):
        offers = SlowMultilinePeer(pause=0.0, keywords=["SMTPUTF8"]).start()
        plain = SlowMultilinePeer(pause=0.0).start()
        self.cleanups += [offers.stop, plain.stop]
        home = self.sink()
        gw = self.gateway([("offers.test", f"127.0.0.1:{offers.port}"), ("plain.test", f"127.0.0.1:{plain.port}"),
                           ("corp.test", f"127.0.0.1:{home.port}")])
        c = Smtp(gw.port)
        c.reply()
        code, lines = c.cmd("EHLO client.test")
        self.assertIn("SMTPUTF8", [line[4:] for line in lines])
        jurgen = "j\u00fcrgen"
        for mail, rcpts, subject in (
                (f"MAIL FROM:<{jurgen}@corp.test> SMTPUTF8", [f"{jurgen}@offers.test", f"{jurgen}@plain.test"],
                 "Gr\u00fc\u00dfe"),
                ("MAIL FROM:<alice@corp.test> SMTPUTF8", ["ascii@plain.test"], "plain")):
            self.assertEqual(c.cmd(mail)[0], 250, mail)
            for rcpt in rcpts:
                self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250, rcpt)
            self.assertEqual(c.cmd("DATA")[0], 354)
            code, lines = c.cmd(f"Subject: {subject}\r\n\r\nbody\r\n.")
            self.assertEqual(code, 250, lines)
        # Without SMTPUTF8 a UTF-8 address is refused.
        self.assertEqual(c.cmd(f"MAIL FROM:<{jurgen}@corp.test>")[1][-1][:9], "553 5.6.7")
        c.cmd("QUIT")
        wait_for(lambda: offers.messages and plain.messages, timeout=30, what="both deliveries")
        utf8 = lambda text: text.encode().decode("latin-1")   # the peer's transcript is in Latin-1
        self.assertIn(utf8(f"MAIL FROM:<{jurgen}@corp.test>"), [m.split(" SIZE=")[0] for m in offers.transcript])
        self.assertTrue(any(m.startswith("MAIL") and m.endswith(" SMTPUTF8") for m in offers.transcript))
        self.assertIn(utf8(f"RCPT TO:<{jurgen}@offers.test>"), offers.transcript)
        # The plain next hop got the ASCII message only, without SMTPUTF8.
        self.assertEqual([m.split(" SIZE=")[0] for m in plain.transcript if m.startswith("MAIL")],
                         ["MAIL FROM:<alice@corp.test>"])
        wait_for(lambda: re.search(r"to=<j\S+@plain.test>, .*dsn=5\.6\.7, status=bounced \(SMTPUTF8 is required",
                                   gw.log()), what="the 5.6.7 failure")
        home.wait_count(1)
        report = home.messages[0].original_content
        self.assertIn(b"Content-Type: message/global-delivery-status\r\n", report)
        self.assertIn(f"Final-Recipient: utf-8; {jurgen}@plain.test\r\nAction: failed\r\nStatus: 5.6.7\r\n".encode(),
                      report)
        self.assertIn(f"Subject: Gr\u00fc\u00dfe".encode(), report)


class MtPriority(GatewayTest):
    """RFC 6710: the gateway offers MT-PRIORITY, keeps a message's priority
    and passes it on to a next hop that offers the extension, and only to
    one that does."""

    def test_priority_is_passed_on_where_offered(self):
        offers = SlowMultilinePeer(pause=0.0, keywords=["MT-PRIORITY STANAG4406"]).start()
        plain = SlowMultilinePeer(pause=0.0).start()
        self.cleanups += [offers.stop, plain.stop]
        gw = self.gateway([("offers.test", f"127.0.0.1:{offers.port}"), ("plain.test", f"127.0.0.1:{plain.port}")])
        c = Smtp(gw.port)
        c.reply()
        code, lines = c.cmd("EHLO client.test")
        self.assertIn("MT-PRIORITY", [line[4:] for line in lines])
        for priority, rcpts in (("4", ["ops@offers.test", "ops@plain.test"]), ("-3", ["low@offers.test"])):
            self.assertEqual(c.cmd(f"MAIL FROM:<alice@corp.test> MT-PRIORITY={priority}")[0], 250)
            for rcpt in rcpts:
                self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            self.assertEqual(c.cmd(f"Subject: priority {priority}\r\n\r\nbody\r\n.")[0], 250)
        code, lines = c.cmd("MAIL FROM:<alice@corp.test> MT-PRIORITY=10")
        self.assertEqual((code, lines[-1][:9]), (501, "501 5.5.4"))
        c.cmd("QUIT")
        wait_for(lambda: len(offers.messages) == 2 and len(plain.messages) == 1, timeout=30, what="three deliveries")
        mails = [line for line in offers.transcript if line.startswith("MAIL")]
        self.assertEqual(sorted(re.sub(r" SIZE=\d+", "", m) for m in mails),
                         ["MAIL FROM:<alice@corp.test> MT-PRIORITY=-3", "MAIL FROM:<alice@corp.test> MT-PRIORITY=4"])
        self.assertEqual([m for m in plain.transcript if m.startswith("MAIL")][0].split(" SIZE=")[0],
                         "MAIL FROM:<alice@corp.test>")
        self.assertIn(" mt_priority=4 ", gw.log())
        # RFC 6758: the next hop without the extension got the priority in
        # the gateway's own MT-Priority field; the one with it, none.
        self.assertTrue(plain.messages[0][2].startswith(b"MT-Priority: 4\r\n"), plain.messages[0][2][:80])
        self.assertFalse(any(b"MT-Priority" in m[2] for m in offers.messages))

    def test_priority_tunnelled_in_the_header(self):
        """RFC 6758: a priority in the message's MT-Priority field is taken
        where MAIL gave none (a stranger's only to lower it), and a next hop
        without the extension gets the gateway's field, never the sender's."""
        offers = SlowMultilinePeer(pause=0.0, keywords=["MT-PRIORITY"]).start()
        plain = SlowMultilinePeer(pause=0.0).start()
        self.cleanups += [offers.stop, plain.stop]
        gw = self.gateway([("offers.test", f"127.0.0.1:{offers.port}"), ("plain.test", f"127.0.0.1:{plain.port}")])
        c = Smtp(gw.port)
        c.reply()
        c.cmd("EHLO client.test")
        for rcpt, header in (("a@offers.test", "MT-Priority: 3 (immediate)"),
                             ("b@plain.test", "MT-Priority: 9\r\nMT-Priority: 9"),   # two: neither read
                             ("c@offers.test", "MT-Priority: 4"), ("d@plain.test", "X-Other: 1")):
            self.assertEqual(c.cmd("MAIL FROM:<alice@corp.test>" + (" MT-PRIORITY=-2" if rcpt[0] == "c" else ""))[0],
                             250)
            self.assertEqual(c.cmd(f"RCPT TO:<{rcpt}>")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            self.assertEqual(c.cmd(f"{header}\r\nSubject: {rcpt}\r\n\r\nbody\r\n.")[0], 250)
        c.cmd("QUIT")
        wait_for(lambda: len(offers.messages) == 2 and len(plain.messages) == 2, timeout=30, what="four deliveries")
        mails = sorted(re.sub(r" SIZE=\d+", "", m) for m in offers.transcript if m.startswith("MAIL"))
        # MAIL's -2 wins over the field's 4; the field's 3 is taken where MAIL gave none.
        self.assertEqual(mails, ["MAIL FROM:<alice@corp.test> MT-PRIORITY=-2", "MAIL FROM:<alice@corp.test> MT-PRIORITY=3"])
        by_rcpt = {m[1][0]: m[2] for m in plain.messages}
        # The two fields of 9 removed, a field of the gateway's with 0 instead.
        self.assertTrue(by_rcpt["b@plain.test"].startswith(b"MT-Priority: 0\r\n"), by_rcpt["b@plain.test"][:80])
        self.assertEqual(by_rcpt["b@plain.test"].count(b"MT-Priority"), 1)
        self.assertNotIn(b"MT-Priority", by_rcpt["d@plain.test"])
        self.assertIn("mt_priority=3 (MT-Priority field)", gw.log())


if __name__ == "__main__":
    unittest.main()
