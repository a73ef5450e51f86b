"""Inbound TLS (RFC 3207 STARTTLS, RFC 8314 implicit TLS) with real OpenSSL
on both sides and certificates made by the test: every byte a TLS record
carries is processed wherever the record boundaries fall; plaintext
pipelined after STARTTLS is never executed; the session and TLS gauges
read 0 however a session ends; SIGHUP swaps the certificate or keeps the
old one."""

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import unittest

from harness import BIN, Gateway, GatewayTest, Smtp, free_port, swaks, wait_for  # noqa: I001 (puts tests/peers on the path)
from slow_multiline import SlowMultilinePeer


def make_certificates(workdir, name="gw.test"):
    """A CA and a server certificate for `name` (and 127.0.0.1) signed by it."""
    ca_key, ca_crt = os.path.join(workdir, "ca.key"), os.path.join(workdir, "ca.crt")
    key, csr, crt = (os.path.join(workdir, f"server.{x}") for x in ("key", "csr", "crt"))
    ext = os.path.join(workdir, "server.ext")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "2",
        "-subj", "/CN=x400gw test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{name},IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
        "-days", "2", "-extfile", ext)
    return ca_crt, crt, key


def make_ec_certificate(workdir, name="gw.test"):
    """An ECDSA P-256 certificate for `name` signed by make_certificates' CA."""
    ca_key, ca_crt = os.path.join(workdir, "ca.key"), os.path.join(workdir, "ca.crt")
    key, csr, crt = (os.path.join(workdir, f"server-ec.{x}") for x in ("key", "csr", "crt"))
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
        "-out", csr, "-subj", f"/CN={name}")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
        "-days", "2", "-extfile", os.path.join(workdir, "server.ext"))
    return crt, key


def der(pem_path):
    with open(pem_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


MESSAGE = ("From: a@corp.test\r\nTo: b@dest.test\r\nSubject: {subject}\r\nMessage-ID: <{subject}@corp.test>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nline one\r\n.dot\r\nlast\r\n")


class TlsClient(Smtp):
    """The raw SMTP client on a socket that STARTTLS turns into a TLS
    socket; each send() is one TLS record (at most 16 KiB)."""

    def __init__(self, port, ca):
        super().__init__(port)
        self.plain = self.sock
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False

    def starttls(self):
        code, lines = self.cmd("STARTTLS")
        assert code == 220, lines
        self.sock = self.ctx.wrap_socket(self.plain, server_hostname="gw.test")
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Tls(GatewayTest):
    def setUp(self):
        super().setUp()
        self.ca, self.crt, self.key = make_certificates(self.workdir)
        self.sink_ = self.sink()
        self.require_port = free_port()
        self.implicit_port = free_port()
        top = f"""
[tls]
certificate = "{self.crt}"
key = "{self.key}"
handshake_timeout = "2s"
"""
        self.g = self.gateway([("dest.test", f"127.0.0.1:{self.sink_.port}")], extra_top=top,
                              extra_listen=[f'{{ address = "127.0.0.1:{self.require_port}", require_tls = true }}',
                                            f'{{ address = "127.0.0.1:{self.implicit_port}", implicit_tls = true }}'])

    def client(self, port=None):
        c = TlsClient(port or self.g.port, self.ca)
        self.cleanups.append(c.close)
        assert c.reply()[0] == 220
        return c

    def secure_client(self):
        c = self.client()
        code, lines = c.cmd("EHLO client.test")
        self.assertTrue(any(l[4:] == "STARTTLS" for l in lines), lines)
        c.starttls()
        code, lines = c.cmd("EHLO client.test")
        self.assertEqual(code, 250)
        self.assertFalse(any("STARTTLS" in l for l in lines), lines)   # RFC 3207 4.2
        return c

    def gauges_at_zero(self):
        m = self.g.metrics()
        return m.get("x400gw_smtp_server_sessions_open") == 0 and m.get("x400gw_smtp_server_tls_sessions_open") == 0

    def subjects(self):
        return sorted(re.search(rb"Subject: (\S+)", m.original_content).group(1).decode() for m in self.sink_.messages)

    def test_first_reply_under_tls_is_not_held_back_by_nagle(self):
        # The server writes its TLS 1.3 session ticket and then its reply
        # to the first command under TLS: two writes in a row. With Nagle's
        # algorithm on the server's socket, the reply waited for the
        # client's delayed ACK, 40 ms, every time, for a client that sets
        # TCP_NODELAY and sends EHLO right after its Finished (four times in
        # five here). And a client with Nagle on (most) sends its EHLO only
        # once its Finished is acknowledged: the ticket, written at once,
        # carries that ACK; a ticket held back to share the reply's send
        # left such a client waiting for our delayed ACK instead. The
        # median of five stays far below 40 ms either way.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        for nodelay in (1, 0):
            waits = []
            for _ in range(5):
                s = socket.create_connection(("127.0.0.1", self.g.port), timeout=30)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, nodelay)
                f = s.makefile("rb")
                for line in (None, b"EHLO client.test\r\n", b"STARTTLS\r\n"):
                    if line:
                        s.sendall(line)
                    while f.readline()[3:4] == b"-":
                        pass
                s = ctx.wrap_socket(s, server_hostname="gw.test")
                f = s.makefile("rb")
                started = time.monotonic()
                s.sendall(b"EHLO client.test\r\n")
                while (line := f.readline())[3:4] == b"-":
                    pass
                waits.append(time.monotonic() - started)
                self.assertEqual(line[:3], b"250")
                s.sendall(b"QUIT\r\n")
                s.close()
            self.assertLess(sorted(waits)[2], 0.03, (nodelay, waits))

    def test_one_session_ticket_and_resumption(self):
        # One TLS 1.3 ticket a handshake (OpenSSL's default is two; an MTA
        # client keeps one session per next hop), and it resumes.
        def s_client(*extra):
            return subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{self.g.port}",
                                   "-CAfile", self.ca, "-crlf", "-ign_eof", "-msg", "-tls1_3", *extra],
                                  input="EHLO sclient.test\nQUIT\n", capture_output=True, text=True, timeout=30).stdout
        session = os.path.join(self.workdir, "session.pem")
        first = s_client("-sess_out", session)
        self.assertIn("221 2.0.0", first)
        self.assertEqual(first.count("NewSessionTicket"), 1, first)
        self.assertIn("New, TLSv1.3", first)
        again = s_client("-sess_in", session)
        self.assertIn("Reused, TLSv1.3", again)
        self.assertIn("221 2.0.0", again)

    def test_swaks_and_openssl_s_client(self):
        r = swaks(self.g.port, "bob@dest.test", extra=["--tls", "--tls-verify", "--tls-ca-path", self.ca,
                                                        "--tls-sni", "gw.test"],
                  data=MESSAGE.format(subject="swaks-tls"))
        self.assertIn("queued as", r.stdout)
        self.sink_.wait_count(1)
        self.assertIn(b") with ESMTPS id ", self.sink_.messages[0].original_content)
        out = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{self.g.port}",
                              "-CAfile", self.ca, "-crlf", "-quiet", "-verify_return_error"],
                             input="EHLO sclient.test\nQUIT\n", capture_output=True, text=True, timeout=30)
        self.assertIn("250-PIPELINING", out.stdout)
        self.assertIn("221 2.0.0", out.stdout)
        self.assertRegex(self.g.log(), r"tls from=\S+ version=TLSv1\.[23] cipher=")
        wait_for(self.gauges_at_zero, what="gauges at 0")

    def test_the_chain_sent_is_the_certificate_files(self):
        # The certificate file's chain, leaf first, exactly: the leaf alone
        # is sent alone (no chain completed from a store on each
        # handshake), and leaf and CA are sent as written.
        def chain():
            out = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{self.g.port}",
                                  "-CAfile", self.ca, "-crlf", "-showcerts"],
                                 input="QUIT\n", capture_output=True, text=True, timeout=30).stdout
            return re.findall(r"^ *\d+ s:(.*)$", out, re.M)
        self.assertEqual(chain(), ["CN = gw.test"])
        with open(self.crt) as f, open(self.ca) as g:
            both = f.read() + g.read()
        with open(self.crt, "w") as f:
            f.write(both)
        self.g.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate and key replaced" in self.g.log(), what="the swap")
        self.assertEqual(chain(), ["CN = gw.test", "CN = x400gw test CA"])

    def test_every_record_boundary(self):
        c = self.secure_client()
        expected = []

        def transaction(subject):
            expected.append(subject)
            return (f"MAIL FROM:<a@corp.test>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n" +
                    MESSAGE.format(subject=subject) + ".\r\n").encode()

        # The whole message, the end of data and QUIT in one record.
        one = self.secure_client()
        one.send(transaction("one-record") + b"QUIT\r\n")
        codes = [one.reply()[0] for _ in range(5)]
        self.assertEqual(codes, [250, 250, 354, 250, 221])
        # One octet per record.
        data = transaction("octet-records")
        for i in range(len(data)):
            c.send(data[i:i + 1])
        self.assertEqual([c.reply()[0] for _ in range(4)], [250, 250, 354, 250])
        # A record boundary at every position inside CRLF "." CRLF.
        for cut in range(1, 5):
            data = transaction(f"cut-{cut}")
            end = len(data) - 5
            c.send(data[:end + cut])
            c.send(data[end + cut:])
            self.assertEqual([c.reply()[0] for _ in range(4)], [250, 250, 354, 250], cut)
        # The end of data and a pipelined second transaction in one record.
        first = transaction("pipelined-a")
        second = transaction("pipelined-b")
        head = second[:second.index(b"DATA\r\n") + 6]
        c.send(first + head)
        self.assertEqual([c.reply()[0] for _ in range(7)], [250, 250, 354, 250, 250, 250, 354])
        c.send(second[len(head):] + b"QUIT\r\n")
        self.assertEqual([c.reply()[0] for _ in range(2)], [250, 221])
        self.sink_.wait_count(len(expected))
        time.sleep(0.5)
        self.assertEqual(self.subjects(), sorted(expected))
        wait_for(self.gauges_at_zero, what="gauges at 0")

    def test_bdat_over_tls(self):
        c = self.secure_client()
        body = MESSAGE.format(subject="bdat-tls").encode()
        c.send(b"MAIL FROM:<a@corp.test>\r\nRCPT TO:<b@dest.test>\r\nBDAT %d LAST\r\n" % len(body) + body[:10])
        c.send(body[10:] + b"QUIT\r\n")
        self.assertEqual([c.reply()[0] for _ in range(4)], [250, 250, 250, 221])
        self.sink_.wait_count(1)

    def test_plaintext_pipelined_after_starttls_is_discarded(self):
        c = self.client()
        c.cmd("EHLO client.test")
        c.send("STARTTLS\r\nMAIL FROM:<evil@corp.test>\r\nRCPT TO:<b@dest.test>\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 220)
        c.sock = c.ctx.wrap_socket(c.plain, server_hostname="gw.test")
        self.assertEqual(c.cmd("EHLO client.test")[0], 250)
        code, lines = c.cmd("RCPT TO:<b@dest.test>")
        self.assertEqual(code, 503, lines)   # no MAIL was ever taken
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertNotIn("evil@corp.test", self.g.log())
        self.assertRegex(self.g.log(), r"starttls discarded=\d+")

    def test_starttls_sequence(self):
        c = self.client()
        c.cmd("EHLO client.test")
        c.cmd("MAIL FROM:<a@corp.test>")
        code, lines = c.cmd("STARTTLS")
        self.assertEqual(code, 503)
        self.assertTrue(lines[-1].startswith("503 5.5.1"), lines)
        c.cmd("RSET")
        c.starttls()
        c.cmd("EHLO client.test")
        code, lines = c.cmd("STARTTLS")
        self.assertEqual(code, 503)

    def test_a_command_that_never_ends_under_tls_is_answered_421(self):
        # The deadline cancels the read and leaves the TLS session whole, so
        # the 421 4.4.2 goes out encrypted (RFC 5321 4.5.3.2).
        top = f"""
[tls]
certificate = "{self.crt}"
key = "{self.key}"

[limits]
command_timeout = "2s"
"""
        g = self.gateway([("dest.test", f"127.0.0.1:{self.sink_.port}")], name="gw-timeout", extra_top=top)
        c = self.client(g.port)
        c.cmd("EHLO client.test")
        c.starttls()
        c.cmd("EHLO client.test")
        started = time.monotonic()
        c.send("NOOP and no end of line")
        code, lines = c.reply()
        self.assertEqual(code, 421, lines)
        self.assertTrue(lines[-1].startswith("421 4.4.2 "), lines)
        self.assertLess(time.monotonic() - started, 5)
        wait_for(lambda: "timeout from=" in g.log(), what="the timeout logged")

    def test_require_tls_and_implicit_tls(self):
        c = self.client(self.require_port)
        code, lines = c.cmd("EHLO client.test")
        self.assertTrue(any(l[4:] == "STARTTLS" for l in lines), lines)
        code, lines = c.cmd("MAIL FROM:<a@corp.test>")
        self.assertEqual(code, 530)
        self.assertTrue(lines[-1].startswith("530 5.7.0"), lines)
        c.starttls()
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd("MAIL FROM:<a@corp.test>")[0], 250)
        # Implicit TLS: the greeting comes over TLS.
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.implicit_port), timeout=30),
                            server_hostname="gw.test")
        self.cleanups.append(s.close)
        self.assertTrue(s.recv(100).startswith(b"220 "))
        s.sendall(b"EHLO client.test\r\nQUIT\r\n")
        data = b""
        while b"221 " not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertNotIn(b"STARTTLS", data)
        self.assertIn(b"221 ", data)

    def test_gauges_read_zero_however_a_session_ends(self):
        # The handshake refused: garbage instead of a ClientHello.
        c = self.client()
        c.cmd("EHLO client.test")
        c.cmd("STARTTLS")
        c.send(b"this is not TLS\r\n" * 20)
        time.sleep(0.3)
        c.close()
        # The client gone in the middle of the handshake.
        c = self.client()
        c.cmd("EHLO client.test")
        c.cmd("STARTTLS")
        c.send(bytes.fromhex("160301020001"))   # the start of a ClientHello, no more
        time.sleep(0.2)
        c.close()
        # A handshake that never comes: handshake_timeout (2 s).
        c = self.client()
        c.cmd("EHLO client.test")
        c.cmd("STARTTLS")
        time.sleep(3)
        c.close()
        # Mid-DATA under TLS: the connection torn down without close_notify.
        c = self.secure_client()
        c.cmd("MAIL FROM:<a@corp.test>")
        c.cmd("RCPT TO:<b@dest.test>")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send("Subject: torn\r\n\r\npart of a body\r\n")
        c.sock.shutdown(socket.SHUT_RDWR)   # no close_notify: TCP only
        c.sock.close()
        # A TLS alert mid-DATA: an orderly TLS shutdown where data should be.
        c = self.secure_client()
        c.cmd("MAIL FROM:<a@corp.test>")
        c.cmd("RCPT TO:<b@dest.test>")
        c.cmd("DATA")
        c.send("Subject: alert\r\n\r\nbody\r\n")
        c.sock.unwrap()
        c.sock.close()
        wait_for(self.gauges_at_zero, timeout=20, what="session and TLS gauges at 0")
        m = self.g.metrics()
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="inbound",result="failed"}', 0), 2)
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="inbound",result="timeout"}', 0), 1)
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="inbound",result="ok"}', 0), 2)
        self.assertEqual(self.sink_.count(), 0)

    def test_sighup_swaps_the_certificate_or_keeps_the_old(self):
        with open(self.crt) as f:
            good = f.read()
        with open(self.crt, "w") as f:
            f.write("not a certificate\n")
        self.g.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate refused, the old one stays" in self.g.log(), what="the refusal")
        self.secure_client().cmd("QUIT")   # still the old certificate
        with open(self.crt, "w") as f:
            f.write(good)
        self.g.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate and key replaced" in self.g.log(), what="the swap")
        self.secure_client().cmd("QUIT")


class TwoCertificates(GatewayTest):
    """[tls] second_certificate: an RSA and an ECDSA certificate side by
    side; each client gets the one its cipher suites or signature
    algorithms ask for, and the log says which."""

    def setUp(self):
        super().setUp()
        self.ca, self.rsa_crt, self.rsa_key = make_certificates(self.workdir)
        self.ec_crt, self.ec_key = make_ec_certificate(self.workdir)
        top = f"""
[tls]
certificate = "{self.rsa_crt}"
key = "{self.rsa_key}"
second_certificate = "{self.ec_crt}"
second_key = "{self.ec_key}"
"""
        self.g = self.gateway([("dest.test", "127.0.0.1:9")], extra_top=top)

    def served(self, ctx):
        """The certificate (DER) the gateway presents to a client with `ctx`,
        after STARTTLS, checked against the test CA."""
        c = TlsClient(self.g.port, self.ca)
        self.cleanups.append(c.close)
        c.ctx = ctx
        assert c.reply()[0] == 220
        c.cmd("EHLO client.test")
        c.starttls()
        self.assertEqual(c.cmd("EHLO client.test")[0], 250)
        cert = c.sock.getpeercert(binary_form=True)
        c.cmd("QUIT")
        return cert

    def client_context(self, tls12_ciphers=None):
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False
        if tls12_ciphers:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(tls12_ciphers)
        return ctx

    def test_each_client_gets_the_certificate_it_can_use(self):
        # TLS 1.3 with OpenSSL's default signature algorithms (ECDSA first).
        self.assertEqual(self.served(self.client_context()), der(self.ec_crt))
        # TLS 1.2: the cipher suite names the key type.
        self.assertEqual(self.served(self.client_context("ECDHE-RSA-AES128-GCM-SHA256")), der(self.rsa_crt))
        self.assertEqual(self.served(self.client_context("ECDHE-ECDSA-AES128-GCM-SHA256")), der(self.ec_crt))
        # TLS 1.3 with RSA-PSS only: a client without ECDSA.
        out = subprocess.run(["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{self.g.port}",
                              "-CAfile", self.ca, "-verify_return_error", "-tls1_3", "-sigalgs",
                              "rsa_pss_rsae_sha256:rsa_pss_pss_sha256", "-crlf"],
                             input="QUIT\n", capture_output=True, text=True, timeout=30)
        self.assertIn("Peer signature type: RSA-PSS", out.stdout)
        self.assertIn("Verification: OK", out.stdout)
        log = self.g.log()
        self.assertIn("certificate_key=EC", log)
        self.assertIn("certificate_key=RSA", log)

    def test_a_second_certificate_of_the_same_key_type_is_refused(self):
        other = os.path.join(self.workdir, "other")
        os.mkdir(other)
        _, crt, key = make_certificates(other)
        cases = [
            (f'second_certificate = "{crt}"\nsecond_key = "{key}"\n',
             f"second_certificate {crt} has the same key type (RSA) as certificate {self.rsa_crt}"),
            (f'second_certificate = "{self.ec_crt}"\n', "[tls] needs both second_certificate and second_key"),
            (f'second_certificate = "{self.ec_crt}"\nsecond_key = "{self.rsa_key}"\n',
             f"key {self.rsa_key} does not match certificate {self.ec_crt}"),
        ]
        for second, error in cases:
            conf = os.path.join(self.workdir, "bad.conf")
            with open(conf, "w") as f:
                f.write(f'[tls]\ncertificate = "{self.rsa_crt}"\nkey = "{self.rsa_key}"\n{second}'
                        '[database]\nconninfo = "dbname=x"\n')
            r = subprocess.run([BIN, "--config", conf, "--check-config"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(error, r.stderr)


class OutboundTls(GatewayTest):
    """Per-route TLS on delivery, against Python ssl next hops."""

    def setUp(self):
        super().setUp()
        self.ca, self.crt, self.key = make_certificates(self.workdir, name="mx.dest.test")
        other = os.path.join(self.workdir, "other")
        os.mkdir(other)
        self.other_ca, _, _ = make_certificates(other, name="mx.dest.test")

    def tls_sink(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.crt, self.key)
        return self.sink(tls_context=ctx)

    def gateway_with(self, sink_port, **tls):
        text = "".join(f'{k} = "{v}"\n' if isinstance(v, str) else f"{k} = {str(v).lower()}\n" for k, v in tls.items())
        self.gateways = getattr(self, "gateways", 0) + 1
        g = Gateway2(self.db, [("dest.test", f"127.0.0.1:{sink_port}", text)], self.workdir,
                     extra=f'tls_ca_file = "{self.ca}"', name=f"gw{self.gateways}")
        self.cleanups.append(lambda: g.stop(timeout=15))
        return g.start()

    def send(self, g, subject):
        r = swaks(g.port, "bob@dest.test", data=MESSAGE.format(subject=subject))
        self.assertIn("queued as", r.stdout)

    def test_may_uses_starttls_when_offered_and_plaintext_when_not(self):
        secure = self.tls_sink()
        g = self.gateway_with(secure.port, tls="may")
        self.send(g, "may-tls")
        secure.wait_count(1)
        wait_for(lambda: re.search(r"tls=TLSv1\.[23]:\S+:unverified, dsn=2\.0\.0, status=sent", g.log()),
                 what="the TLS outcome on the delivery line")
        self.assertGreaterEqual(g.metrics().get('x400gw_tls_handshakes_total{direction="outbound",result="ok"}', 0), 1)
        plain = self.sink()
        g2 = self.gateway_with(plain.port, tls="may")
        self.send(g2, "may-plain")
        plain.wait_count(1)
        wait_for(lambda: re.search(r"attempts=1, dsn=2\.0\.0, status=sent", g2.log()), what="a plaintext delivery")
        self.assertNotIn("tls=TLS", g2.log())

    def test_encrypt_defers_when_tls_cannot_be_had(self):
        plain = self.sink()
        g = self.gateway_with(plain.port, tls="encrypt")
        self.send(g, "encrypt")
        wait_for(lambda: "dsn=4.7.5, status=deferred" in g.log(), what="a 4.7.5 deferral")
        self.assertEqual(plain.count(), 0)
        self.assertIn("STARTTLS is not offered", g.log())

    def test_verify(self):
        secure = self.tls_sink()
        g = self.gateway_with(secure.port, tls="verify", tls_name="mx.dest.test")
        self.send(g, "verified")
        secure.wait_count(1)
        wait_for(lambda: re.search(r"tls=TLSv1\.[23]:\S+:verified, dsn=2\.0\.0", g.log()), what="a verified delivery")
        # One gateway at a time: they share the database, and the one that
        # verifies would deliver what the others defer.
        g.stop()
        wrong_name = self.gateway_with(secure.port, tls="verify", tls_name="other.dest.test")
        self.send(wrong_name, "wrong-name")
        wait_for(lambda: "dsn=4.7.5, status=deferred" in wrong_name.log(), what="a deferral for the wrong name")
        wrong_name.stop()
        unknown_ca = self.gateway_with(secure.port, tls="verify", tls_name="mx.dest.test", tls_ca_file=self.other_ca)
        self.send(unknown_ca, "unknown-ca")
        wait_for(lambda: "dsn=4.7.5, status=deferred" in unknown_ca.log(), what="a deferral for an unknown CA")
        self.assertIn("certificate", unknown_ca.log())
        time.sleep(1)
        self.assertEqual(secure.count(), 1)
        self.assertGreaterEqual(
            unknown_ca.metrics().get('x400gw_tls_handshakes_total{direction="outbound",result="failed"}', 0), 1)

    def test_octets_after_220_are_a_protocol_error(self):
        port = free_port()
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(8)
        self.cleanups.append(server.close)

        def serve():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                f = conn.makefile("rb")
                conn.sendall(b"220 eager.test ESMTP\r\n")
                try:
                    while True:
                        line = f.readline()
                        if not line:
                            break
                        verb = line[:4].upper()
                        if verb == b"EHLO":
                            conn.sendall(b"250-eager.test\r\n250 STARTTLS\r\n")
                        elif verb == b"STAR":
                            conn.sendall(b"220 go ahead\r\n250 injected\r\n")
                        else:
                            conn.sendall(b"250 ok\r\n")
                except OSError:
                    pass
                conn.close()

        threading.Thread(target=serve, daemon=True).start()
        g = self.gateway_with(port, tls="may")
        self.send(g, "eager")
        wait_for(lambda: "sent data after 220 to STARTTLS" in g.log(), what="the protocol error")
        self.assertIn("dsn=4.7.5, status=deferred", g.log())


class Gateway2(Gateway):
    """A Gateway whose routes may carry more keys (route TLS)."""

    def __init__(self, db, routes, workdir, **kw):
        super().__init__(db, [], workdir, **kw)
        with open(self.config, "a") as f:
            for domain, hop, text in routes:
                f.write(f'\n[[route]]\ndomain = "{domain}"\nnext_hop = "{hop}"\n{text}')


class RequireTls(GatewayTest):
    """RFC 8689 REQUIRETLS: offered and taken under TLS only; the message
    goes only over verified TLS to a next hop that offers REQUIRETLS, and
    fails with 5.7.30 elsewhere; its report is REQUIRETLS too."""

    def test_requiretls(self):
        ca, crt, key = make_certificates(self.workdir, name="mx.dest.test")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        offers = SlowMultilinePeer(pause=0.0, keywords=["REQUIRETLS"], tls_context=ctx).start()
        lacks = SlowMultilinePeer(pause=0.0, tls_context=ctx).start()
        self.cleanups += [offers.stop, lacks.stop]
        home = self.sink()
        verify = 'tls = "verify"\ntls_name = "mx.dest.test"\n'
        g = Gateway2(self.db, [("offers.test", f"127.0.0.1:{offers.port}", verify),
                               ("lacks.test", f"127.0.0.1:{lacks.port}", verify),
                               ("corp.test", f"127.0.0.1:{home.port}", "")], self.workdir,
                     extra=f'tls_ca_file = "{ca}"', extra_top=f'[tls]\ncertificate = "{crt}"\nkey = "{key}"\n')
        self.cleanups.append(lambda: g.stop(timeout=15))
        g.start()
        plain = Smtp(g.port)
        plain.reply()
        code, lines = plain.cmd("EHLO client.test")
        self.assertNotIn("REQUIRETLS", [line[4:] for line in lines])
        code, lines = plain.cmd("MAIL FROM:<alice@corp.test> REQUIRETLS")
        self.assertEqual((code, lines[-1][:10]), (530, "530 5.7.10"))
        c = TlsClient(g.port, ca)
        self.cleanups.append(c.close)
        c.reply()
        c.cmd("EHLO client.test")
        c.starttls()
        code, lines = c.cmd("EHLO client.test")
        self.assertIn("REQUIRETLS", [line[4:] for line in lines])
        for command, want in (("MAIL FROM:<alice@corp.test> REQUIRETLS", 250), ("RCPT TO:<a@offers.test>", 250),
                              ("RCPT TO:<b@lacks.test>", 250), ("DATA", 354)):
            self.assertEqual(c.cmd(command)[0], want, command)
        code, lines = c.cmd(MESSAGE.format(subject="requiretls") + ".")
        self.assertEqual(code, 250, lines)
        qid = re.search(r"queued as ([0-9A-Z]{10})", lines[-1]).group(1)
        wait_for(lambda: offers.messages, what="the delivery to the next hop that offers REQUIRETLS")
        mail = [line for line in offers.transcript if line.startswith("MAIL")]
        self.assertRegex(mail[0], r"^MAIL FROM:<alice@corp.test>( SIZE=\d+)? REQUIRETLS$")
        wait_for(lambda: re.search(qid + r" to=<b@lacks.test>, .*dsn=5\.7\.30, status=bounced \(REQUIRETLS support "
                                   r"required: REQUIRETLS not offered", g.log()), what="the 5.7.30 failure")
        self.assertEqual(lacks.messages, [])
        # The report is REQUIRETLS as well: the sender's next hop has no TLS.
        wait_for(lambda: re.search(r"to=<alice@corp.test>, .*dsn=5\.7\.30, status=bounced \(REQUIRETLS support "
                                   r"required: no TLS", g.log()), what="the report refused the plaintext next hop")
        self.assertEqual(home.count(), 0)


class Auth(GatewayTest):
    """SMTP AUTH (RFC 4954) under TLS, users managed by x400gwctl."""

    def setUp(self):
        super().setUp()
        self.ca, self.crt, self.key = make_certificates(self.workdir)
        self.ctl = os.path.join(os.path.dirname(BIN), "x400gwctl")
        self.world = self.sink()
        top = f"""
[tls]
certificate = "{self.crt}"
key = "{self.key}"

[auth]
enabled = true
failures_per_minute = 3

[relay]
relay_networks = ["192.0.2.0/24"]
"""
        self.g = self.gateway([("*", f"127.0.0.1:{self.world.port}")], extra_top=top)

    def user(self, *args, password=None):
        return subprocess.run([self.ctl, "user", *args, "--database", self.db.dsn], input=password,
                              capture_output=True, text=True, encoding="utf-8", timeout=60)

    def tls_client(self):
        c = TlsClient(self.g.port, self.ca)
        self.cleanups.append(c.close)
        c.reply()
        code, lines = c.cmd("EHLO client.test")
        self.assertFalse(any("AUTH" in l for l in lines), lines)   # not offered before TLS
        self.assertEqual(c.cmd("AUTH PLAIN " + plain("alice", "pw"))[0], 538)
        c.starttls()
        code, lines = c.cmd("EHLO client.test")
        self.assertIn("AUTH PLAIN LOGIN", [line[4:] for line in lines])
        return c

    def test_users_and_auth(self):
        r = self.user("add", "alice", password="correct horse\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "user alice added")
        r = self.user("add", "alice", password="again\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("exists", r.stderr)
        self.assertEqual(self.user("passwd", "nobody", password="x\n").returncode, 1)
        self.assertEqual(subprocess.run([self.ctl, "user", "add"], capture_output=True).returncode, 2)
        stored = self.db.query("SELECT hash FROM smtp_user WHERE name = 'alice'")
        self.assertTrue(stored.startswith("$argon2id$"), stored)
        self.assertNotIn("correct horse", stored)

        c = self.tls_client()
        # Relaying from outside relay_networks: refused until AUTH.
        c.cmd("MAIL FROM:<alice@corp.test>")
        self.assertEqual(c.cmd("RCPT TO:<someone@elsewhere.test>")[0], 554)
        code, lines = c.cmd("AUTH PLAIN " + plain("alice", "wrong"))
        self.assertEqual(code, 503)   # in a transaction
        c.cmd("RSET")
        code, lines = c.cmd("AUTH PLAIN " + plain("alice", "wrong"))
        self.assertEqual(code, 535)
        self.assertTrue(lines[-1].startswith("535 5.7.8"), lines)
        code, lines = c.cmd("AUTH PLAIN " + plain("alice", "correct horse"))
        self.assertEqual(code, 235, lines)
        self.assertEqual(c.cmd("AUTH PLAIN " + plain("alice", "correct horse"))[0], 503)
        # RFC 4954 5: the AUTH parameter, as Exchange and sendmail send it.
        self.assertEqual(c.cmd("MAIL FROM:<alice@corp.test> AUTH=alice+40corp.test")[0], 250)
        c.cmd("RSET")
        self.assertEqual(c.cmd("MAIL FROM:<alice@corp.test> AUTH=<>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<someone@elsewhere.test>")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(MESSAGE.format(subject="authenticated") + ".\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.world.wait_count(1)
        self.assertIn(b"with ESMTPSA id", self.world.messages[0].original_content)
        # LOGIN, after a password change.
        self.assertEqual(self.user("passwd", "alice", password="battery staple\n").returncode, 0)
        d = self.tls_client()
        self.assertEqual(d.cmd("AUTH LOGIN")[0], 334)
        self.assertEqual(d.cmd(ssl_b64("alice"))[0], 334)
        self.assertEqual(d.cmd(ssl_b64("battery staple"))[0], 235)
        log = self.g.log()
        self.assertIn("auth failed from=", log)
        self.assertIn("user=<alice> method=PLAIN", log)
        for secret in ("correct horse", "battery staple", "wrong"):
            self.assertNotIn(secret, log)
        self.assertEqual(self.user("delete", "alice").returncode, 0)
        self.assertEqual(self.user("delete", "alice").returncode, 1)

    def test_names_and_passwords_compare_in_their_saslprep_form(self):
        # RFC 4616 5 / RFC 4013: a no-break space is a space, a soft hyphen
        # nothing, ROMAN NUMERAL NINE is "IX"; stored and compared so.
        r = self.user("add", "\u2168", password="correct\u00a0horse\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "user IX added")
        self.assertEqual(self.db.query("SELECT name FROM smtp_user"), "IX")
        for name, password in (("IX", "correct horse"), ("\u2168", "correct\u00a0horse"),
                               ("I\u00adX", "cor\u00adrect horse")):
            c = self.tls_client()
            code, lines = c.cmd("AUTH PLAIN " + plain(name, password))
            self.assertEqual(code, 235, (name, password, lines))
        c = self.tls_client()
        self.assertEqual(c.cmd("AUTH PLAIN " + plain("IX", "correcthorse"))[0], 535)
        self.assertEqual(self.user("passwd", "\u2168", password="battery staple\n").returncode, 0)
        # A password SASLprep prohibits, or one not UTF-8, is refused by name.
        for bad in ("bell\u0007\n", "\u00ad\n"):
            r = self.user("passwd", "IX", password=bad)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("SASLprep", r.stderr)
        r = subprocess.run([self.ctl, "user", "add", "latin", "--database", self.db.dsn],
                           input=b"caf\xe9\n", capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"not UTF-8", r.stderr)
        self.assertEqual(self.user("delete", "I\u00adX").returncode, 0)

    def test_failed_auth_is_rate_limited(self):
        self.assertEqual(self.user("add", "bob", password="pw\n").returncode, 0)
        c = self.tls_client()
        for _ in range(3):
            self.assertEqual(c.cmd("AUTH PLAIN " + plain("bob", "guess"))[0], 535)
        code, lines = c.cmd("AUTH PLAIN " + plain("bob", "guess"))
        self.assertEqual(code, 421)
        # The next connection from the address is still limited for a minute.
        d = self.tls_client()
        self.assertEqual(d.cmd("AUTH PLAIN " + plain("bob", "pw"))[0], 421)


def plain(user, password):
    return ssl_b64(f"\0{user}\0{password}")


def ssl_b64(text):
    import base64
    return base64.b64encode(text.encode()).decode()


class AdminHttps(GatewayTest):
    """[server] admin_tls: the admin port speaks only HTTPS, with the SMTP
    server's certificate, swapped on SIGHUP like it."""

    def setUp(self):
        super().setUp()
        self.ca, self.crt, self.key = make_certificates(self.workdir)
        self.g = Gateway(self.db, [], self.workdir, extra_top=f"""
[tls]
certificate = "{self.crt}"
key = "{self.key}"
handshake_timeout = "2s"
""")
        with open(self.g.config) as f:
            text = f.read()
        with open(self.g.config, "w") as f:
            f.write(text.replace("[server]\n", "[server]\nadmin_tls = true\n", 1))
        self.g.admin_ca = self.ca
        self.g.start()
        self.cleanups.append(self.g.stop)

    def test_https_only(self):
        status, _, body = self.g.http("/healthz")
        self.assertEqual((status, body), (200, "ok\n"))
        # The certificate verifies against the test's CA, name and all.
        ctx = ssl.create_default_context(cafile=self.ca)
        with socket.create_connection(("127.0.0.1", self.g.admin_port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="gw.test") as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:100])
        # Plain HTTP is never served (no bearer token is read in the clear),
        # but told what went wrong: a 400 problem and the close.
        with socket.create_connection(("127.0.0.1", self.g.admin_port), timeout=10) as raw:
            raw.sendall(b"GET /metrics HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer x\r\n\r\n")
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400 "), answer[:200])
        self.assertIn(b"Content-Type: application/problem+json", head)
        self.assertIn("speaks HTTPS only", json.loads(body)["detail"])
        # x400gwctl over HTTPS: the certificate checked against --ca-file,
        # and said so when it does not verify.
        ctl = os.path.join(os.path.dirname(BIN), "x400gwctl")
        token = subprocess.run([ctl, "token", "create", "--name", "ops", "--role", "read", "--database",
                                self.db.dsn], capture_output=True, text=True, check=True).stdout.strip()
        env = dict(os.environ, X400GW_TOKEN=token)
        url = f"https://127.0.0.1:{self.g.admin_port}"
        r = subprocess.run([ctl, "summary", "--url", url, "--ca-file", self.ca, "--json"], capture_output=True,
                           text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("by_state", json.loads(r.stdout))
        r = subprocess.run([ctl, "summary", "--url", url], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("certificate verify failed", r.stderr)
        self.assertNotIn(" at /", r.stderr)   # no source location of the library's throw
        # A client that connects and says nothing is let go after the handshake timeout.
        silent = socket.create_connection(("127.0.0.1", self.g.admin_port), timeout=10)
        self.cleanups.append(silent.close)
        self.assertEqual(silent.recv(10), b"")
        m = self.g.metrics()
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="admin",result="failed"}', 0), 1)
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="admin",result="timeout"}', 0), 1)
        self.assertGreaterEqual(m.get('x400gw_tls_handshakes_total{direction="admin",result="ok"}', 0), 2)

    def test_sighup_replaces_the_admin_certificate(self):
        other = os.path.join(self.workdir, "other")
        os.mkdir(other)
        other_ca, crt, key = make_certificates(other)
        os.replace(crt, self.crt)
        os.replace(key, self.key)
        self.g.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate and key replaced" in self.g.log(), what="the swap")
        with self.assertRaises(Exception):
            self.g.http("/healthz")   # the old CA no longer verifies it
        self.g.admin_ca = other_ca
        self.assertEqual(self.g.http("/healthz")[0], 200)

    def test_admin_tls_needs_a_certificate(self):
        conf = os.path.join(self.workdir, "bad.conf")
        with open(conf, "w") as f:
            f.write('[server]\nadmin_tls = true\n[database]\nconninfo = "dbname=x"\n')
        r = subprocess.run([BIN, "--config", conf, "--check-config"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("admin_tls needs TLS", r.stderr)


if __name__ == "__main__":
    unittest.main()
