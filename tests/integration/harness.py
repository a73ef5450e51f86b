"""Integration test harness: the real x400gw daemon, a real PostgreSQL
(started by deploy/test.sh, found through X400GW_TEST_DSN), and real SMTP
peers (swaks, Postfix's smtp-source, aiosmtpd sinks, misbehaving asyncio
peers from tests/peers/). No mocks.

Each test gets its own database, so tests never see each other's queue.
"""

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peers"))

DSN = os.environ.get("X400GW_TEST_DSN", "")
BIN = os.environ.get("X400GW_BIN", "")
PG_DIR = os.environ.get("X400GW_TEST_PG_DIR", "")
PG_USER = os.environ.get("X400GW_TEST_PG_USER", "x400gw")
PG_BIN = "/usr/lib/postgresql/15/bin"


def need_environment(test):
    if not DSN or not BIN:
        raise unittest.SkipTest("X400GW_TEST_DSN and X400GW_BIN are set by deploy/test.sh")


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_handed_out = set()


def free_port():
    """A port that is free now and stays free until a test server binds it:
    chosen below the kernel's ephemeral range, so that no outgoing
    connection (the gateway's to its peers, the tests' own) can take it in
    the meantime, as a port the kernel handed out could be."""
    high = _ephemeral_low() - 1
    low = min(20000, high - 1000)
    while True:
        port = random.randint(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def wait_for(predicate, timeout=30.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def psql(dsn, sql):
    out = subprocess.run([f"{PG_BIN}/psql", dsn, "-tAqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Database:
    """A fresh database in the test cluster."""

    def __init__(self):
        self.name = "t_" + uuid.uuid4().hex[:12]
        self.admin = re.sub(r"dbname=\S+", "dbname=postgres", DSN)
        psql(self.admin, f"CREATE DATABASE {self.name}")
        self.dsn = re.sub(r"dbname=\S+", f"dbname={self.name}", DSN)

    def query(self, sql):
        return psql(self.dsn, sql)

    def drop(self):
        subprocess.run([f"{PG_BIN}/psql", self.admin, "-qc", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"],
                       capture_output=True)


def pg_stop():
    subprocess.run(["runuser", "-u", PG_USER, "--", f"{PG_BIN}/pg_ctl", "-D", PG_DIR, "-m", "fast", "-w", "stop"],
                   check=True, capture_output=True)


def pg_start():
    with open(os.path.join(PG_DIR, "x400gw.opts")) as f:
        opts = f.read().strip()
    subprocess.run(["runuser", "-u", PG_USER, "--", f"{PG_BIN}/pg_ctl", "-D", PG_DIR, "-l",
                    os.path.join(PG_DIR, "server.log"), "-w", "-t", "60", "-o", opts, "start"],
                   check=True, capture_output=True)


class Gateway:
    """One x400gw process with a generated configuration."""

    def __init__(self, db, routes, workdir, extra="", name="gw", hostname="gw.test", retry=None, extra_top="",
                 extra_listen=(), lease="4s", env=None):
        self.db = db
        self.env = env   # the process's environment; None: the test's own
        self.port = free_port()
        self.admin_port = free_port()
        self.workdir = workdir
        self.name = name
        self.config = os.path.join(workdir, f"{name}.conf")
        self.log_path = os.path.join(workdir, f"{name}.log")
        route_text = "".join(f'\n[[route]]\ndomain = "{d}"\nnext_hop = "{h}"\n' for d, h in routes)
        retry = retry or {"first_delay": "1s", "max_delay": "2s", "lifetime": "1d"}
        retry_text = "\n".join(f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in retry.items())
        with open(self.config, "w") as f:
            f.write(f"""
[server]
hostname = "{hostname}"
listen = {"[" + ", ".join([f'"127.0.0.1:{self.port}"'] + list(extra_listen)) + "]"}
admin_listen = "127.0.0.1:{self.admin_port}"
node_name = "{name}"
shutdown_grace = "5s"

[database]
conninfo = "{db.dsn}"

[delivery]
poll_interval = "200ms"
lease = "{lease}"
connection_idle = "1s"
metrics_interval = "1s"
{extra}

[retry]
{retry_text}
{route_text}
{extra_top}
""")
        self.proc = None
        self.log_file = None
        self.admin_ca = None   # set to a CA file when the admin port speaks HTTPS

    def start(self):
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, "--config", self.config], stdout=self.log_file, stderr=self.log_file,
                                     env=self.env)
        wait_for(self._listening, timeout=60, what=f"{self.name} to listen")
        wait_for(lambda: " started " in self.log(), timeout=30, what=f"{self.name} to log its start")
        return self

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
        try:
            with socket.create_connection(("127.0.0.1", self.admin_port), timeout=0.2):
                return True
        except OSError:
            return False

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.name} did not stop on {sig}:\n{self.log()[-3000:]}")
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def http(self, path):
        scheme, ctx = "http", None
        if self.admin_ca:
            scheme, ctx = "https", ssl.create_default_context(cafile=self.admin_ca)
            ctx.check_hostname = False
        try:
            with urllib.request.urlopen(f"{scheme}://127.0.0.1:{self.admin_port}{path}", timeout=10,
                                        context=ctx) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    def metrics(self):
        """{"name" or "name{labels}": value} from /metrics."""
        _, _, text = self.http("/metrics")
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                out[key] = float(value)
        return out


def mixer_section(tables, x400_port=None, prefix="C=TC;ADMD=BTT", form="std-or", domain="x400.test"):
    """The configuration of the RFC 2156 tests: [addressing] for the gateway
    mixer.test (C=TC; ADMD=BTT; O=SMTP-GW) with `tables` (kind -> file),
    and, when x400_port is given, an [[x400_route]] to that port."""
    listed = ", ".join(f'{kind} = "{path}"' for kind, path in tables.items())
    text = f'''
[addressing]
gateway_domain = "mixer.test"
gateway_or = "C=TC; ADMD=BTT; O=SMTP-GW"
tables = {{ {listed} }}
'''
    if x400_port is not None:
        text += f'''
[[x400_route]]
prefix = "{prefix}"
next_hop = "127.0.0.1:{x400_port}"
form = "{form}"
domain = "{domain}"
'''
    return text


def rcpt_code(port, address, sender="a@corp.test"):
    """The reply code a gateway gives RCPT TO:<address> (then QUIT)."""
    c = Smtp(port)
    c.reply()
    c.cmd("EHLO client.test")
    c.cmd(f"MAIL FROM:<{sender}>")
    code = c.cmd(f"RCPT TO:<{address}>")[0]
    c.cmd("QUIT")
    c.close()
    return code


def swaks(port, to, sender="alice@corp.test", data=None, extra=(), check=True):
    args = ["swaks", "--server", f"127.0.0.1:{port}", "--to", to, "--from", sender, "--helo", "client.test",
            "--timeout", "30"] + list(extra)
    if data is not None:
        args += ["--data", data]
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=120)


class Smtp:
    """A raw SMTP client for protocol tests: sends exactly what it is told."""

    opened = []  # every client, closed by GatewayTest.tearDown

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""
        Smtp.opened.append(self)

    @classmethod
    def at_data(cls, port, mail_from="a@corp.test", rcpt="b@dest.test"):
        """A client past the greeting, EHLO, MAIL, RCPT and DATA (354)."""
        c = cls(port)
        c.reply()
        c.cmd("EHLO client.test")
        for command, code in ((f"MAIL FROM:<{mail_from}>", 250), (f"RCPT TO:<{rcpt}>", 250), ("DATA", 354)):
            got, lines = c.cmd(command)
            if got != code:
                raise AssertionError(f"{command}: {lines}")
        return c

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One reply, possibly multi-line: (code, [lines])."""
        lines = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed; got " + repr(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode()
            lines.append(line)
            if len(line) < 4 or line[3] == " ":
                return int(line[:3]), lines

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def closed(self):
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self):
        self.sock.close()


class Sink:
    """An aiosmtpd server that keeps every message; `behaviour(envelope)`
    may return a reply string to refuse one."""

    def __init__(self, behaviour=None, port=None, tls_context=None):
        from aiosmtpd.controller import Controller
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if behaviour:
                    answer = behaviour(envelope)
                    if answer:
                        return answer
                with sink.lock:
                    sink.messages.append(envelope)
                return "250 2.0.0 Ok: stored"

        self.port = port or free_port()
        extra = {"tls_context": tls_context} if tls_context else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()

    def count(self):
        with self.lock:
            return len(self.messages)

    def wait_count(self, n, timeout=30):
        return wait_for(lambda: self.count() >= n, timeout=timeout, what=f"{n} messages at the sink (have {self.count()})")

    def stop(self):
        self.controller.stop()


def received_ids(messages):
    """Queue ids of the x400gw Received headers of the sink's messages."""
    ids = []
    for m in messages:
        match = re.search(rb"\(x400gw\) with E?SMTP id ([0-9A-Z]{10})", m.original_content or m.content)
        ids.append(match.group(1).decode() if match else None)
    return ids


class GatewayTest(unittest.TestCase):
    def setUp(self):
        need_environment(self)
        self.workdir = tempfile.mkdtemp(prefix="x400gw-it-")
        self.db = Database()
        self.cleanups = []

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        failed = result is not None and any(test is self for test, _ in result.errors + result.failures)
        if failed:
            for name in sorted(os.listdir(self.workdir)):
                if name.endswith(".log"):
                    with open(os.path.join(self.workdir, name), errors="replace") as f:
                        print(f"--- {name} (last lines)\n" + "".join(f.readlines()[-40:]))
        for c in reversed(self.cleanups):
            try:
                c()
            except Exception:
                pass
        for client in Smtp.opened:
            client.close()
        Smtp.opened.clear()
        # Under the sanitizers, a finding anywhere in a gateway's life fails
        # the test, even when the test itself passed.
        findings = []
        for name in sorted(os.listdir(self.workdir)):
            if name.endswith(".log"):
                with open(os.path.join(self.workdir, name), errors="replace") as f:
                    text = f.read()
                for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                    if marker in text:
                        findings.append(f"{name}: {marker}\n" + text[text.index(marker) - 200:][:3000])
        self.db.drop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if findings:
            raise AssertionError("sanitizer findings:\n" + "\n".join(findings))

    def gateway(self, routes, **kw):
        g = Gateway(self.db, routes, self.workdir, **kw)
        self.cleanups.append(lambda: g.stop(timeout=15))
        return g.start()

    def sink(self, **kw):
        s = Sink(**kw)
        self.cleanups.append(s.stop)
        return s
