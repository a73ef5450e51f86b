"""Edge safety: a hostile client against the real daemon, a real PostgreSQL
and a real sink. Each test is one defect that x400gw must make impossible:
header injection through the envelope, NUL in an address, open relay, a
bad EHLO argument, DSN amplification, slow clients, per-client limits.
"""

import os
import re
import resource
import select
import socket
import subprocess
import tempfile
import time
import unittest

from harness import BIN, DSN, GatewayTest, Smtp, free_port, wait_for

CLIENT_HEADER = ("From: Alice <alice@corp.test>\r\nTo: bob@local.test\r\nSubject: edge\r\n"
                 "Message-ID: <edge.1@corp.test>\r\nDate: Fri, 04 Dec 2026 12:00:00 +0000\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n")


def header_names(raw):
    """The field names of a message's header section, in order."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    names = []
    for line in head.split("\r\n"):
        if line and line[0] not in " \t":
            names.append(line.split(":", 1)[0])
    return names


class EdgeTest(GatewayTest):
    def strict_gateway(self, sinks, extra_limits="", **kw):
        """A gateway whose relay_networks do not include the test client
        (127.0.0.1), with a route "*" that would relay anything: only relay
        control stands between a client and the world."""
        local, world, senders = sinks
        routes = [("local.test", f"127.0.0.1:{local.port}"), ("gw.test", f"127.0.0.1:{local.port}"),
                  ("corp.test", f"127.0.0.1:{senders.port}"), ("*", f"127.0.0.1:{world.port}")]
        top = f"""
[relay]
local_domains = ["local.test"]
relay_networks = ["192.0.2.0/24"]

[limits]
{extra_limits}
"""
        return self.gateway(routes, extra_top=top, **kw)

    def three_sinks(self):
        return self.sink(), self.sink(), self.sink()

    def send_message(self, c, rcpts, body=CLIENT_HEADER + "\r\nhello\r\n"):
        assert c.cmd("MAIL FROM:<alice@corp.test>")[0] == 250
        for r in rcpts:
            code, lines = c.cmd(f"RCPT TO:<{r}>")
            assert code == 250, lines
        assert c.cmd("DATA")[0] == 354
        c.send(body + ".\r\n")
        return c.reply()

    def test_quoted_local_part_cannot_inject_header_lines(self):
        sinks = self.three_sinks()
        g = self.strict_gateway(sinks)
        c = Smtp(g.port)
        c.reply()
        c.cmd("EHLO client.test")
        assert c.cmd("MAIL FROM:<alice@corp.test>")[0] == 250
        attempts = [b'"x\\\rX-Evil: 1"@local.test', b'"x\rX-Evil: 1"@local.test', b'"x\\\nX-Evil: 1"@local.test',
                    b'"x\\\r\nX-Evil: 1"@local.test', b'"a\x00b"@local.test', b'"a\\\x00b"@local.test',
                    b'"a\x7fb"@local.test', b'"a\tb"@local.test']
        for a in attempts:
            # A NOOP after each attempt marks where its replies end: a line
            # end inside the address ends the command early, and what is
            # left is a refused command of its own, never a header.
            c.send(b"RCPT TO:<" + a + b">\r\nNOOP\r\n")
            replies = []
            while True:
                code, lines = c.reply()
                if lines[-1] == "250 2.0.0 Ok" and len(replies) >= 1:
                    break
                replies.append((code, lines))
            self.assertTrue(all(code >= 500 for code, _ in replies), (a, replies))
            if b"\n" not in a:
                self.assertEqual(len(replies), 1, (a, replies))
                self.assertTrue(replies[0][1][-1].startswith("501 5.1.3"), (a, replies))
        c.cmd("RSET")
        c.send(b'MAIL FROM:<"x\\\rX-Evil: 1"@corp.test>\r\n')
        code, lines = c.reply()
        self.assertEqual(code, 501)
        self.assertTrue(lines[-1].startswith("501 5.1.7"), lines)
        # A quoted local part that RFC 5321 allows still goes through, and
        # the sink's copy has the client's header lines plus Received:.
        c.cmd("RSET")
        code, lines = self.send_message(c, ['"john smith"@local.test'])
        self.assertEqual(code, 250, lines)
        c.cmd("QUIT")
        local, world, _ = sinks
        local.wait_count(1)
        raw = local.messages[0].original_content
        self.assertEqual(header_names(raw), ["Received"] + header_names(CLIENT_HEADER.encode() + b"\r\n"))
        self.assertNotIn(b"X-Evil", raw)
        self.assertEqual(local.messages[0].rcpt_tos, ['"john smith"@local.test'])
        self.assertEqual(world.count(), 0)
        m = g.metrics()
        self.assertEqual(m.get("x400gw_db_errors_total", 0), 0)
        self.assertNotIn("commit failed", g.log())

    def test_ehlo_argument_cannot_break_received(self):
        sinks = self.three_sinks()
        g = self.strict_gateway(sinks)
        c = Smtp(g.port)
        c.reply()
        for bad in ("EHLO a(b", "EHLO x;by evil", "EHLO [1.2.3.4(x)]", "HELO a)b", "EHLO a]b"):
            code, lines = c.cmd(bad)
            self.assertEqual(code, 501, (bad, lines))
            self.assertTrue(lines[-1].startswith("501 5.5.4"), lines)
        self.assertEqual(c.cmd("EHLO [192.0.2.9]")[0], 250)
        code, lines = self.send_message(c, ["bob@local.test"])
        self.assertEqual(code, 250, lines)
        local = sinks[0]
        local.wait_count(1)
        raw = local.messages[0].original_content
        self.assertIn(b"Received: from [192.0.2.9] ([127.0.0.1])", raw)

    def test_open_relay_list_relays_nothing(self):
        local, world, senders = sinks = self.three_sinks()
        g = self.strict_gateway(sinks)
        c = Smtp(g.port)
        c.reply()
        c.cmd("EHLO client.test")
        assert c.cmd("MAIL FROM:<spammer@corp.test>")[0] == 250
        # The classic relay tests, from a client outside relay_networks.
        tricks = [
            "victim@elsewhere.test",
            "victim@ELSEWHERE.TEST",
            "victim%elsewhere.test@local.test",
            "victim%elsewhere.test@LOCAL.TEST",
            "elsewhere.test!victim@local.test",
            '"victim@elsewhere.test"@local.test',
            '"victim%elsewhere.test"@local.test',
            "@local.test:victim@elsewhere.test",
            "@local.test,@gw.test:victim@elsewhere.test",
            "victim@[192.0.2.1]",
            "victim@[127.0.0.1]",
            "victim@elsewhere.test.",
            "victim@local.test.elsewhere.test",
            "victim@sub.local.test",
            "victim@elsewhere.test@local.test",
            "postmaster@elsewhere.test",
        ]
        for t in tricks:
            code, lines = c.cmd(f"RCPT TO:<{t}>")
            self.assertIn(code, (501, 550, 553, 554), (t, lines))
        # What is accepted is for a local domain and goes where the routes say.
        accepted = ["postmaster@local.test", "Postmaster@LOCAL.TEST", "user@local.test", "USER@Local.Test"]
        for a in accepted:
            code, lines = c.cmd(f"RCPT TO:<{a}>")
            self.assertEqual(code, 250, (a, lines))
        code, lines = c.cmd("RCPT TO:<postmaster>")
        self.assertEqual(code, 250, lines)
        assert c.cmd("DATA")[0] == 354
        c.send(CLIENT_HEADER + "\r\nrelay test\r\n.\r\n")
        self.assertEqual(c.reply()[0], 250)
        c.cmd("QUIT")
        local.wait_count(1)
        time.sleep(1.0)
        self.assertEqual(world.count(), 0)
        self.assertEqual(senders.count(), 0)
        self.assertEqual(sorted(local.messages[0].rcpt_tos),
                         sorted(accepted + ["postmaster@gw.test"]))
        self.assertRegex(g.log(), r"reject rcpt to=<victim@elsewhere.test> client=\S+ dsn=5.7.1 \(relaying denied\)")

    def test_trusted_network_may_relay(self):
        local, world, senders = self.three_sinks()
        routes = [("*", f"127.0.0.1:{world.port}")]
        g = self.gateway(routes)   # default relay_networks: loopback
        c = Smtp(g.port)
        c.reply()
        c.cmd("EHLO client.test")
        code, lines = self.send_message(c, ["anyone@elsewhere.test"])
        self.assertEqual(code, 250, lines)
        world.wait_count(1)

    def test_one_dsn_per_message_with_every_failed_recipient(self):
        local, world, senders = self.three_sinks()
        local.stop()
        refusing = self.sink(behaviour=lambda env: "550 5.1.1 No such users here")
        routes = [("local.test", f"127.0.0.1:{refusing.port}"), ("corp.test", f"127.0.0.1:{senders.port}")]
        # 150 recipients, claimed in batches of 100 recipients' worth of
        # messages: they still come back as one DSN.
        g = self.gateway(routes, extra="claim_batch = 100")
        c = Smtp(g.port)
        c.reply()
        c.cmd("EHLO client.test")
        pad = "".join(f"X-Pad-{i}: {'p' * 900}\r\n" for i in range(60))
        code, lines = self.send_message(c, [f"user{i}@local.test" for i in range(150)],
                                        body=CLIENT_HEADER + pad + "\r\nbody\r\n")
        self.assertEqual(code, 250, lines)
        senders.wait_count(1, timeout=60)
        time.sleep(2.0)
        self.assertEqual(senders.count(), 1)
        dsn = senders.messages[0].original_content
        self.assertEqual(len(re.findall(rb"Final-Recipient: rfc822; user\d+@local.test", dsn)), 150)
        returned = dsn.split(b"Content-Type: text/rfc822-headers", 1)[1]
        self.assertLess(len(returned), 4096 + 200)
        self.assertIn(b"Subject: edge", returned)
        self.assertNotIn(b"X-Pad-59", returned)
        self.assertIn(senders.messages[0].mail_from, ("", "<>"))
        wait_for(lambda: g.db.query("SELECT count(*) FROM message") == "0", what="the queue to empty")

    def test_slow_client_is_cut_off_whatever_its_read_timing(self):
        sinks = self.three_sinks()
        g = self.strict_gateway(sinks, extra_limits='command_timeout = "2s"\ndata_timeout = "2s"\nmin_data_rate = 500')
        # A byte every half second: every read is quick, the command never ends.
        c = Smtp(g.port)
        c.reply()
        c.cmd("EHLO client.test")
        self.assertLess(self._trickle(c, b"NOOP this line never ends, not in time"), 5)
        wait_for(lambda: "timeout from=" in g.log(), what="the timeout logged")
        # DATA at 8 octets a second is far below min_data_rate.
        d = Smtp(g.port)
        d.reply()
        d.cmd("EHLO client.test")
        d.cmd("MAIL FROM:<a@corp.test>")
        d.cmd("RCPT TO:<b@local.test>")
        self.assertEqual(d.cmd("DATA")[0], 354)
        self.assertLess(self._trickle(d, b"x" * 4 * 40, 4), 6)
        self.assertEqual(sinks[0].count(), 0)
        wait_for(lambda: g.metrics().get("x400gw_smtp_server_sessions_open", 1) == 0, what="sessions to close")

    def test_per_client_limits(self):
        sinks = self.three_sinks()
        g = self.strict_gateway(sinks, extra_limits="sessions_per_client = 3\nmessages_per_minute = 2")
        clients = [Smtp(g.port) for _ in range(3)]
        for c in clients:
            self.assertEqual(c.reply()[0], 220)
        extra = Smtp(g.port)
        code, lines = extra.reply()
        self.assertEqual(code, 421)
        self.assertTrue(lines[-1].startswith("421 4.7.0"), lines)
        c = clients[0]
        c.cmd("EHLO client.test")
        for _ in range(2):
            self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[0], 250)
            c.cmd("RSET")
        code, lines = c.cmd("MAIL FROM:<a@corp.test>")
        self.assertEqual(code, 450)
        self.assertTrue(lines[-1].startswith("450 4.7.1"), lines)
        # A session that ends gives its slot back.
        clients[1].cmd("QUIT")
        clients[1].close()
        wait_for(lambda: self._greeted(g.port), what="a slot to free up")

    def test_out_of_descriptors_pauses_accept_without_spinning(self):
        if os.environ.get("ASAN_OPTIONS"):
            # The sanitizers' runtime needs descriptors of its own (UBSan's
            # vptr check opens a pipe to probe memory): at EMFILE it reports
            # errors that are its own. The release build runs this test.
            self.skipTest("not under the sanitizers")
        sinks = self.three_sinks()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        try:
            g = self.strict_gateway(sinks, extra_limits="sessions_per_client = 1000\nconnections_per_minute = 0")
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        # The lease-renewal connection, used at start to prune the ledger,
        # closes 100 ms later: let it, so that no descriptor comes free
        # while the crowd holds the rest.
        time.sleep(1.0)
        crowd = []
        for _ in range(120):
            crowd.append(socket.create_connection(("127.0.0.1", g.port), timeout=5))
        wait_for(lambda: "accept failed, pausing" in g.log(), what="the listener to run out of descriptors")

        def cpu_seconds():
            with open(f"/proc/{g.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        before = cpu_seconds()
        time.sleep(2.0)
        self.assertLess(cpu_seconds() - before, 0.5, "the listener spins at EMFILE")
        # Logged once an episode, not once a retry (a descriptor that does
        # come free ends one episode and the next accept starts another).
        text = g.log()
        self.assertEqual(text.count("accept failed, pausing"), text.count("accepting connections again") + 1)
        for c in crowd:
            c.close()
        wait_for(lambda: self._greeted(g.port), what="accept to resume")
        wait_for(lambda: "accepting connections again" in g.log(), what="the episode's end in the log")

    def _trickle(self, c, data, step=1):
        """Sends `data` a few octets every half second until the gateway
        answers; returns how long that took. The answer must be 421 4.4.2
        (RFC 5321 4.5.3.2: a server that times out says so), never a bare
        close."""
        started = time.monotonic()
        for i in range(0, len(data), step):
            try:
                c.sock.sendall(data[i:i + step])
            except OSError:
                break   # the gateway closed; its 421 waits in our buffer
            readable, _, _ = select.select([c.sock], [], [], 0.5)
            if readable:
                break
        else:
            self.fail("the trickling client was not cut off")
        elapsed = time.monotonic() - started
        c.sock.settimeout(10)
        got = b""
        try:
            while not got.endswith(b"\r\n"):
                more = c.sock.recv(4096)
                if not more:
                    break
                got += more
        except OSError:
            pass
        self.assertTrue(got.startswith(b"421 4.4.2 "), got)
        return elapsed

    def _greeted(self, port):
        s = Smtp(port)
        code, _ = s.reply()
        s.close()
        return code == 220


class ListenAddressTest(unittest.TestCase):
    """Listening addresses: a bad one is refused by --check-config with its line; a port another
    process holds stops the start with the address and the reason."""

    def test_bad_listen_addresses_name_their_line(self):
        if not BIN or not DSN:
            raise unittest.SkipTest("X400GW_BIN and X400GW_TEST_DSN are set by deploy/test.sh")
        cases = [
            ('listen = ["localhost:2525"]', "l.conf:2: listen: 'localhost:2525' does not give an IP address"),
            ('listen = ["127.0.0.1"]', "l.conf:2: listen: '127.0.0.1' is not address:port"),
            ('listen = ["127.0.0.1:2525",\n  { address = "mx.example:587", require_tls = true }]',
             "l.conf:3: listen: 'mx.example:587' does not give an IP address"),
            ('admin_listen = "127.0.0.1:70000"', "l.conf:2: admin_listen: '127.0.0.1:70000' is not address:port"),
        ]
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "l.conf")
            for line, error in cases:
                with open(conf, "w") as f:
                    f.write(f'[server]\n{line}\n[database]\nconninfo = "dbname=x"\n')
                r = subprocess.run([BIN, "--config", conf, "--check-config"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 1, (line, r.stderr))
                self.assertIn(error, r.stderr)
            # A port another process holds: said with the address, and what to do.
            with socket.socket() as holder:
                holder.bind(("127.0.0.1", 0))
                holder.listen()
                port = holder.getsockname()[1]
                with open(conf, "w") as f:
                    f.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\nadmin_listen = "127.0.0.1:{free_port()}"\n')
                r = subprocess.run([BIN, "--config", conf, "--database", DSN], capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(f"x400gw: cannot listen on 127.0.0.1:{port}: Address already in use", r.stderr)
                self.assertNotIn("reactive_socket_service", r.stderr)
            for good in ('listen = ["[::1]:2525", "0.0.0.0:25"]', 'admin_listen = "[::]:8025"'):
                with open(conf, "w") as f:
                    f.write(f'[server]\n{good}\n[database]\nconninfo = "dbname=x"\n')
                r = subprocess.run([BIN, "--config", conf, "--check-config"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, (good, r.stderr))


if __name__ == "__main__":
    unittest.main()
