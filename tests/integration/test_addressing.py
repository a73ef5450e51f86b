"""RFC 2156 mapping at RCPT time over real SMTP: an O/R address with no
PRMD, an RFC 822 domain mapped into X.400, and an unmappable recipient
refused at RCPT while the others in the transaction are delivered."""

import os
import unittest

from harness import GatewayTest, free_port, mixer_section, rcpt_code, swaks, wait_for  # noqa: I001 (puts tests/peers on the path)
from flaky_sink import FlakySink


class Addressing(GatewayTest):
    def write(self, name, text):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_mapping_both_ways_and_refusal_at_rcpt(self):
        smtp_side = self.sink()
        x400_side = self.sink()
        table1 = self.write("or-to-domain.txt", "O$Widget.PRMD$@.ADMD$BTT.C$TC#widget.test#\n")
        table2 = self.write("domain-to-or.txt", "mapped.test#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n")
        extra = mixer_section({"or-to-domain": table1, "domain-to-or": table2}, x400_side.port)
        gw = self.gateway([("widget.test", f"127.0.0.1:{smtp_side.port}")], extra_top=extra)
        r = swaks(gw.port, '"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test,ops@mapped.test,nobody@mixer.test',
                  sender="alice@widget.test", check=False,
                  data=("From: Alice <alice@widget.test>\r\n"
                        "To: \"/S=Smith/O=Widget/ADMD=BTT/C=TC/\"@mixer.test, Ops <ops@mapped.test>\r\n"
                        "Cc: \"/S=Jones/O=Elsewhere/ADMD=BTT/C=TC/\"@mixer.test\r\n"
                        "Subject: mapped\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n"))
        # No PRMD: still a complete address (RFC 2156 App. F "$@"), mapped by
        # table; an RFC 822 domain mapped into X.400; and, at the gateway's
        # own domain, something that is no O/R address: refused at RCPT.
        self.assertIn('-> RCPT TO:<"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test>\n<-  250 2.1.5', r.stdout)
        self.assertIn("-> RCPT TO:<ops@mapped.test>\n<-  250 2.1.5", r.stdout)
        self.assertRegex(r.stdout, r"-> RCPT TO:<nobody@mixer.test>\n<\*\* 550 5\.1\.1 ")
        self.assertRegex(r.stdout, r"<-  250 2\.0\.0 Ok: queued as [0-9A-Z]{10}")
        smtp_side.wait_count(1)
        x400_side.wait_count(1)
        self.assertEqual(smtp_side.messages[0].rcpt_tos, ["Smith@widget.test"])
        headers = smtp_side.messages[0].original_content.split(b"\r\n\r\n")[0].decode()
        # The header role: the O/R address with a table mapping is rewritten,
        # the others stay; the envelope's X.400 form survives.
        self.assertIn("To: Smith@widget.test, Ops <ops@mapped.test>\r\n", headers)
        self.assertIn('Cc: "/S=Jones/O=Elsewhere/ADMD=BTT/C=TC/"@mixer.test\r\n', headers)
        self.assertIn('X400-Recipients: "/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test\r\n', headers)
        self.assertIn("From: Alice <alice@widget.test>\r\n", headers)
        [x400_rcpt] = x400_side.messages[0].rcpt_tos
        self.assertTrue(x400_rcpt.endswith("@x400.test"), x400_rcpt)
        for term in ("S=ops", "O=Mapped", "ADMD=BTT", "C=TC"):
            self.assertIn(term, x400_rcpt)
        self.assertNotIn("PRMD", x400_rcpt)
        log = gw.log()
        self.assertIn('map rcpt to=<"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test> mapped=<Smith@widget.test> method=table', log)
        m = gw.metrics()
        self.assertEqual(m['x400gw_address_mappings_total{direction="x400_to_rfc822",method="table"}'], 1.0)
        self.assertEqual(m['x400gw_address_mappings_total{direction="rfc822_to_x400",method="table"}'], 1.0)

    def test_a_mapped_recipient_keeps_its_address_as_orcpt(self):
        # RFC 3461 4.2: the report on a recipient the mapping rewrote names
        # the address the sender used, as Original-Recipient.
        port = free_port()
        refusing = FlakySink(["550 5.1.1 no such user"], port).start()
        self.cleanups.append(refusing.stop)
        home = self.sink()
        table = self.write("or-to-domain.txt", "O$Widget.PRMD$@.ADMD$BTT.C$TC#widget.test#\n")
        gw = self.gateway([("widget.test", f"127.0.0.1:{port}"), ("corp.test", f"127.0.0.1:{home.port}")],
                          extra_top=mixer_section({"or-to-domain": table}))
        swaks(gw.port, '"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test', sender="alice@corp.test",
              data="Subject: mapped and refused\r\n\r\nhello\r\n")
        home.wait_count(1)
        text = home.messages[0].original_content.decode()
        self.assertIn('Original-Recipient: rfc822; "/S=Smith/O=Widget/ADMD=BTT/C=TC/"@mixer.test\r\n'
                      "Final-Recipient: rfc822; Smith@widget.test\r\nAction: failed\r\n", text)

    def test_sighup_swaps_tables_and_keeps_old_ones_when_invalid(self):
        import signal
        sink = self.sink()
        table2 = self.write("domain-to-or.txt", "old.test#O$Old.ADMD$BTT.C$TC#\n")
        extra = mixer_section({"domain-to-or": table2}, sink.port, prefix="C=TC", form="imcea",
                              domain="exchange.test")
        gw = self.gateway([], extra_top=extra)

        def rcpt(address):
            return rcpt_code(gw.port, address)

        self.assertEqual(rcpt("x@old.test"), 250)
        self.assertEqual(rcpt("x@new.test"), 550)
        self.write("domain-to-or.txt", "new.test#O$New.ADMD$BTT.C$TC#\n")
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload: mapping tables replaced" in gw.log(), what="the reload")
        self.assertEqual(rcpt("x@new.test"), 250)
        self.assertEqual(rcpt("x@old.test"), 550)
        self.write("domain-to-or.txt", "broken line\n")
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused, old tables kept" in gw.log(), what="the refused reload")
        self.assertIn("domain-to-or.txt:1:", gw.log())
        self.assertEqual(rcpt("x@new.test"), 250)

    def test_sighup_reload_of_a_large_table_leaves_sessions_served(self):
        # Reading and indexing 200,000 entries takes a while; the sessions
        # must be answered meanwhile, so it is done off the I/O thread.
        import signal
        import socket
        import time
        sink = self.sink()
        table = self.write("domain-to-or.txt", "old.test#O$Old.ADMD$BTT.C$TC#\n")
        extra = mixer_section({"domain-to-or": table}, sink.port, prefix="C=TC", form="imcea",
                              domain="exchange.test")
        gw = self.gateway([], extra_top=extra)
        self.write("domain-to-or.txt",
                   "".join(f"d{i}.test#O$Org{i}.ADMD$BTT.C$TC#\n" for i in range(200000)))

        def greeting_time():
            t0 = time.monotonic()
            with socket.create_connection(("127.0.0.1", gw.port), timeout=30) as s:
                f = s.makefile("rb")
                self.assertTrue(f.readline().startswith(b"220 "))
                s.sendall(b"QUIT\r\n")
                f.readline()
            return time.monotonic() - t0

        greeting_time()
        started = time.monotonic()
        gw.proc.send_signal(signal.SIGHUP)
        slowest = 0.0
        while "reload: mapping tables replaced" not in gw.log():
            self.assertLess(time.monotonic() - started, 120, "the reload did not finish")
            slowest = max(slowest, greeting_time())
        took = time.monotonic() - started
        self.assertGreater(took, 0.2, "the reload was too quick to show anything")
        self.assertLess(slowest, took / 4, f"a greeting waited {slowest:.3f} s of the reload's {took:.3f} s")
        self.assertEqual(rcpt_code(gw.port, "x@d199999.test"), 250)
        self.assertEqual(rcpt_code(gw.port, "x@old.test"), 550)

    def test_sighups_do_not_grow_the_gateway(self):
        # Each reload frees the old tables on the I/O thread and builds the
        # new ones on a pool thread, in another malloc arena; unless that
        # memory is handed back, it stays resident: 157, 272, 379, 389 and
        # 407 MiB of PSS over four SIGHUPs of a 200,000-entry table.
        import signal
        import time
        if os.environ.get("ASAN_OPTIONS"):
            self.skipTest("the sanitizers' allocator keeps freed memory in quarantine")
        table = self.write("domain-to-or.txt",
                           "".join(f"d{i}.test#O$Org{i}.ADMD$BTT.C$TC#\n" for i in range(100000)))
        sink = self.sink()
        gw = self.gateway([], extra_top=mixer_section({"domain-to-or": table}, sink.port, prefix="C=TC",
                                                      form="imcea", domain="exchange.test"))

        def pss_mib():
            with open(f"/proc/{gw.proc.pid}/smaps_rollup") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("Pss:")) / 1024

        def settled():
            # The trim runs on a pool thread after the swap: the lowest of
            # a few readings over a second.
            readings = []
            for _ in range(5):
                time.sleep(0.2)
                readings.append(pss_mib())
            return min(readings)

        start = settled()
        for n in range(1, 5):
            gw.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: gw.log().count("reload: mapping tables replaced") == n, what=f"reload {n}")
        after = settled()
        self.assertLess(after, start * 1.3 + 5, f"PSS {start:.0f} MiB after start, {after:.0f} after four reloads")
        self.assertEqual(rcpt_code(gw.port, "x@d99999.test"), 250)

    def test_invalid_table_refuses_to_start_with_file_and_line(self):
        bad = self.write("bad.txt", "Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\n\nbroken line\n")
        extra = mixer_section({"domain-to-or": bad})
        from harness import Gateway
        g = Gateway(self.db, [], self.workdir, extra_top=extra)
        with self.assertRaises(AssertionError) as e:
            g.start()
        g.stop()
        self.assertIn(f"{bad}:3:", str(e.exception))


if __name__ == "__main__":
    unittest.main()
