"""The REST API (/api/v1) and x400gwctl on it, over real HTTP against a
running gateway on a real PostgreSQL, with next hops that defer, accept, or
hold a delivery in flight while an action races it. Every response is
checked against docs/openapi.json, and every operation of that document is
exercised."""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest
import unittest.mock
import urllib.error
import urllib.request

import jsonschema

from harness import BIN, GatewayTest, Smtp, mixer_section, rcpt_code, swaks, wait_for

CTL = os.path.join(os.path.dirname(BIN), "x400gwctl")
OPENAPI = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.json")
SEEN = set()   # (path template, method, status) the tests produced


class GateSink:
    """An SMTP next hop whose answer to each message's end of data is chosen
    by the test: `mode` "defer" (451), "accept" (250), or "gate" (the reply
    waits until release(code) is called: a delivery held in flight)."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.mode = "defer"
        self.accepted = []
        self.arrived = threading.Event()
        self._gate_code = None
        self._gate = threading.Event()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if sink.mode == "gate":
                    sink.arrived.set()
                    while not sink._gate.is_set():
                        await asyncio.sleep(0.05)
                    sink._gate.clear()
                    code = sink._gate_code
                else:
                    code = 250 if sink.mode == "accept" else 451
                if code == 250:
                    sink.accepted.append(envelope)
                    return "250 2.0.0 Ok: stored"
                return "451 4.3.0 try again later"

        from harness import free_port
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def release(self, code):
        self._gate_code = code
        self._gate.set()

    def stop(self):
        self._gate_code = 451
        self._gate.set()
        self.controller.stop()


def template_of(path):
    p = path.split("?")[0]
    p = re.sub(r"^/api/v1", "", p)
    p = re.sub(r"^/queue/(?!actions$)[^/]+", "/queue/{id}", p)
    p = re.sub(r"^/routes/[^/]+$", "/routes/{domain}", p)
    p = re.sub(r"^/tables/[^/]+/[^/]+$", "/tables/{kind}/{key}", p)
    p = re.sub(r"^/tables/[^/]+$", "/tables/{kind}", p)
    p = re.sub(r"^/table-file/[^/]+$", "/table-file/{kind}", p)
    return p


class RestBase(GatewayTest):
    """A gateway with a next hop the test steers, admin and read tokens,
    and HTTP checked against the OpenAPI document."""

    @classmethod
    def setUpClass(cls):
        with open(OPENAPI) as f:
            cls.doc = json.load(f)

    def extra_top(self):
        return ""

    def setUp(self):
        super().setUp()
        self.next_hop = GateSink()
        self.cleanups.append(self.next_hop.stop)
        self.g = self.gateway([("dest.test", f"127.0.0.1:{self.next_hop.port}"),
                               ("corp.test", f"127.0.0.1:{self.next_hop.port}")],
                              retry={"first_delay": "1h", "max_delay": "2h", "lifetime": "1d"},
                              extra_top=self.extra_top())
        self.admin = self.token("ops", "admin")
        self.reader = self.token("watcher", "read")
        self.base = f"http://127.0.0.1:{self.g.admin_port}"

    def token(self, name, role):
        r = subprocess.run([CTL, "token", "create", "--name", name, "--role", role, "--database", self.db.dsn],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    # --- HTTP, checked against the OpenAPI document ---

    def request(self, method, path, token=None, body=None, content_type="application/json", raw=False, base=None):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request((base or self.base) + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None and content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, ctype, payload, headers = r.status, r.headers.get("Content-Type", ""), r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, ctype, payload, headers = e.code, e.headers.get("Content-Type", ""), e.read(), e.headers
        self.check_against_openapi(method, path, status, ctype, payload)
        if raw:
            return status, ctype, payload, headers
        doc = json.loads(payload) if ctype.startswith("application/") and payload else None
        return status, doc, headers

    def check_against_openapi(self, method, path, status, ctype, payload):
        template = template_of(path)
        op = self.doc["paths"].get(template, {}).get(method.lower())
        if op is None:
            # Not an operation of the API: only errors may come back.
            self.assertIn(status, (404, 405), f"{method} {path} answered {status} but is not in the document")
            self.assertTrue(ctype.startswith("application/problem+json"), ctype)
            return
        SEEN.add((template, method.upper(), status))
        spec = op["responses"].get(str(status))
        self.assertIsNotNone(spec, f"{method} {template} answered {status}, which the document does not list")
        if "$ref" in spec:
            spec = self.doc["components"]["responses"][spec["$ref"].split("/")[-1]]
        content = spec.get("content", {})
        media = ctype.split(";")[0].strip()
        self.assertIn(media, content, f"{method} {template} {status}: {media} not in the document")
        schema = content[media]["schema"]
        if media.endswith("json"):
            resolver_doc = dict(schema)
            resolver_doc["components"] = self.doc["components"]
            jsonschema.validate(json.loads(payload), resolver_doc,
                                cls=jsonschema.Draft202012Validator)

    def send(self, n, subject="rest", to="bob@dest.test"):
        ids = []
        for i in range(n):
            r = swaks(self.g.port, to, data=f"Subject: {subject} {i}\r\n\r\nbody {i}\r\n")
            ids.append(re.search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1))
        return ids

    def message(self, qid):
        return self.request("GET", f"/api/v1/queue/{qid}", self.reader)[1]

    def states(self, qid):
        status, doc, _ = self.request("GET", f"/api/v1/queue/{qid}", self.reader)
        return None if status == 404 else [r["state"] for r in doc["recipients"]]

    def wait_attempts(self, qid, n):
        wait_for(lambda: len(self.message(qid)["attempts"]) >= n, what=f"{n} attempts of {qid}")



class RestTest(RestBase):
    def test_tokens_roles_and_errors(self):
        ids = self.send(1)
        writes = [("POST", f"/api/v1/queue/{ids[0]}/{a}", None) for a in ("hold", "release", "retry", "delete", "bounce")]
        writes += [("DELETE", f"/api/v1/queue/{ids[0]}", None),
                   ("POST", "/api/v1/queue/actions", {"action": "hold", "ids": ids})]
        for method, path, body in writes:
            status, doc, _ = self.request(method, path, self.reader, body)
            self.assertEqual(status, 403, (method, path, doc))
            self.assertIn("read role", doc["detail"])
        status, doc, headers = self.request("GET", "/api/v1/queue")
        self.assertEqual(status, 401)
        self.assertIn("Bearer", headers["WWW-Authenticate"])
        self.assertEqual(self.request("GET", "/api/v1/queue", "x4gw_not-a-token")[0], 401)
        cases = [
            ("GET", "/api/v1/nothing", None, 404, "no resource"),
            ("GET", "/api/v1/queue/NOTAQID", None, 404, "ten base-32"),
            ("GET", "/api/v1/queue/ZZZZZZZZZZ", None, 404, "no message"),
            ("PUT", "/api/v1/queue", None, 405, "PUT is not allowed"),
            ("GET", "/api/v1/queue/actions", None, 405, "allowed: POST"),
            ("GET", "/api/v1/queue?state=lost", None, 400, "state must be one of"),
            ("GET", "/api/v1/queue?colour=red", None, 400, "unknown filter field"),
            ("GET", "/api/v1/queue?limit=0", None, 400, "limit must be"),
            ("GET", "/api/v1/queue?min_age=soon", None, 400, "number of seconds"),
            ("GET", "/api/v1/queue?cursor=%00", None, 400, "cursor"),
            ("GET", "/api/v1/audit?colour=red", None, 400, "unknown query parameter"),
            ("POST", "/api/v1/queue/actions", b"{not json", 400, "not valid JSON"),
            ("POST", "/api/v1/queue/actions", [1, 2], 400, "must be a JSON object"),
            ("POST", "/api/v1/queue/actions", {"action": "hold", "ids": ids, "colour": 1}, 400, "unknown field"),
            ("POST", "/api/v1/queue/actions", {"action": 7, "ids": ids}, 400, "action must be a string"),
            ("POST", "/api/v1/queue/actions", {"action": "melt", "ids": ids}, 400, "unknown action"),
            ("POST", "/api/v1/queue/actions", {"action": "hold"}, 400, "exactly one of ids"),
            ("POST", "/api/v1/queue/actions", {"action": "hold", "ids": "x"}, 400, "non-empty array"),
            ("POST", "/api/v1/queue/actions", {"action": "hold", "ids": [3]}, 400, "queue ids"),
            ("POST", "/api/v1/queue/actions", {"action": "hold", "filter": {"state": 3}}, 400, "must be a string"),
            ("POST", "/api/v1/queue/actions", {"action": "hold", "filter": {"size": "1"}}, 400, "unknown filter"),
            ("POST", f"/api/v1/queue/{ids[0]}/hold", {"now": True}, 400, "takes no fields"),
        ]
        for method, path, body, code, words in cases:
            status, doc, headers = self.request(method, path, self.admin, body)
            self.assertEqual(status, code, (method, path, doc))
            self.assertIn(words, doc["detail"], (method, path))
            if code == 405:
                self.assertTrue(headers["Allow"])
        status, _, _ = self.request("POST", "/api/v1/queue/actions", self.admin, b"action=hold",
                                    content_type="application/x-www-form-urlencoded")
        self.assertEqual(status, 415)
        status, doc, _ = self.request("POST", "/api/v1/queue/actions", self.admin, b"x" * (2 << 20))
        self.assertEqual(status, 413)
        # Nothing above changed the queue or wrote the audit trail (the
        # message may be in its first attempt meanwhile: wait it out).
        wait_for(lambda: self.states(ids[0]) != ["active"], what="the first attempt to end")
        self.assertEqual(self.states(ids[0]), ["deferred"] if self.message(ids[0])["attempts"] else ["queued"])
        self.assertEqual(self.request("GET", "/api/v1/audit", self.reader)[1]["items"], [])

    def exchange(self, data, then=None):
        """Raw bytes to the admin port; every response until the gateway
        closes, as (status, headers, body) triples. `then` is sent once the
        first interim (1xx) response has come."""
        s = socket.create_connection(("127.0.0.1", self.g.admin_port), timeout=10)
        s.sendall(data)
        got, responses = b"", []
        try:
            while True:
                while b"\r\n\r\n" in got:
                    head, _, rest = got.partition(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
                    status = int(lines[0].split()[1])
                    length = int(headers.get("content-length", "0"))
                    if len(rest) < length:
                        break
                    responses.append((status, headers, rest[:length]))
                    got = rest[length:]
                    if status == 100 and then is not None:
                        s.sendall(then)
                b = s.recv(65536)
                if not b:
                    break
                got += b
        finally:
            s.close()
        self.assertEqual(got, b"", "a partial response")
        return responses

    def test_http_framing_errors_get_a_problem_and_a_close(self):
        auth = f"Authorization: Bearer {self.admin}\r\n".encode()
        close = b"Connection: close\r\n"
        # Requests no HTTP/1.1 server may act on (RFC 9112): each gets one
        # problem document, Connection: close, and nothing after it is read.
        after = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        bad = [
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400),
            (b"GARBAGE\r\n\r\n", 400),
            (b"GET /healthz\r\n\r\n", 400),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
            (b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
            (b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400),
            (b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            (b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
             b"0\r\n\r\n", 501),
            (b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"zz\r\n{}\r\n0\r\n\r\n", 400),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
            (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            (b"GET /healthz HTTP/1.1\r\n\r\n", 400),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417),
            (b"GET /api/v1/queue HTTP/1.1\r\nHost: x\r\n" + auth + b"Authorization: Bearer other\r\n\r\n", 400),
        ]
        for data, code in bad:
            responses = self.exchange(data + after)
            self.assertEqual([r[0] for r in responses], [code], data[:80])
            status, headers, body = responses[0]
            self.assertEqual(headers["content-type"], "application/problem+json", data[:80])
            self.assertEqual(headers["connection"], "close", data[:80])
            self.assertEqual(json.loads(body)["status"], code)
        # HTTP/1.0 needs no Host; the absolute form must be accepted (RFC
        # 9112 3.2.2), on the plain resources and the API alike.
        self.assertEqual(self.exchange(b"GET /healthz HTTP/1.0\r\n\r\n"), [(200, unittest.mock.ANY, b"ok\n")])
        responses = self.exchange(b"GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                  b"GET HTTP://h:1/api/v1/queue?limit=1 HTTP/1.1\r\nHost: h:1\r\n" + auth + close + b"\r\n")
        self.assertEqual([r[0] for r in responses], [200, 200])
        self.assertEqual(json.loads(responses[1][2])["items"], [])
        # ... and an import in absolute form keeps an import's size limit.
        routes = b"# padding\n" * 120000 + b"absolute.example 127.0.0.1:2599\n"
        responses = self.exchange(b"PUT http://h:1/api/v1/route-file HTTP/1.1\r\nHost: h:1\r\n" + auth + close +
                                  b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(routes) + routes)
        self.assertEqual([r[0] for r in responses], [200], responses[0][2][:200])
        # Expect: 100-continue gets its interim answer before the body is sent.
        body = json.dumps({"action": "hold", "ids": self.send(1)}).encode()
        responses = self.exchange(b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\n" + auth + close +
                                  b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                                  b"Content-Length: %d\r\n\r\n" % len(body), then=body)
        self.assertEqual([r[0] for r in responses], [100, 200])
        # Too large is said before the body is asked for.
        responses = self.exchange(b"POST /api/v1/queue/actions HTTP/1.1\r\nHost: x\r\n" + auth +
                                  b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                                  b"Content-Length: 99999999\r\n\r\n")
        self.assertEqual([r[0] for r in responses], [413])

    def test_list_show_raw_structure_and_pages_while_mail_arrives(self):
        ids = self.send(12)
        self.wait_attempts(ids[-1], 1)
        seen, cursor, later = [], None, []
        while True:
            path = "/api/v1/queue?limit=5" + (f"&cursor={cursor}" if cursor else "")
            status, page, _ = self.request("GET", path, self.reader)
            self.assertEqual(status, 200)
            seen += [m["id"] for m in page["items"]]
            if len(later) < 3:
                later += self.send(1, subject="later")   # mail arrives between pages
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), len(set(seen)), "a message listed twice")
        self.assertTrue(set(ids) <= set(seen), "a message missing from the pages")
        m = self.message(ids[0])
        self.assertEqual(m["sender"], "alice@corp.test")
        self.assertEqual(m["recipients"][0]["state"], "deferred")
        self.assertRegex(m["attempts"][0]["reply"], r"451 4\.3\.0")
        self.assertEqual(m["attempts"][0]["outcome"], "deferred")
        self.assertTrue(m["attempts"][0]["node"].startswith("gw"))
        status, ctype, raw, _ = self.request("GET", f"/api/v1/queue/{ids[0]}/raw", self.reader, raw=True)
        self.assertEqual((status, ctype), (200, "message/rfc822"))
        self.assertIn(b"Subject: rest 0\r\n", raw)
        self.assertEqual(len(raw), m["size"])
        status, doc, _ = self.request("GET", f"/api/v1/queue/{ids[0]}/structure", self.reader)
        self.assertEqual(status, 200)
        self.assertEqual(doc["structure"]["parts"][0]["type"].lower(), "text/plain")
        # Filters.
        status, page, _ = self.request("GET", f"/api/v1/queue?qid={ids[3]}&state=deferred&recipient=BOB", self.reader)
        self.assertEqual([x["id"] for x in page["items"]], [ids[3]])
        self.assertEqual(self.request("GET", "/api/v1/queue?sender=nobody", self.reader)[1]["items"], [])
        self.assertEqual(len(self.request("GET", "/api/v1/queue?min_age=3600", self.reader)[1]["items"]), 0)
        status, s, _ = self.request("GET", "/api/v1/summary", self.reader)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(s["by_state"]["deferred"]["messages"], 12)
        self.assertEqual(s["by_next_hop"][0]["next_hop"], "TOTAL")
        self.assertEqual(self.request("GET", "/api/v1/summary?x=1", self.reader)[0], 400)
        _, _, text, _ = self.request("GET", "/api/v1/openapi.json", raw=True)
        with open(OPENAPI, "rb") as f:
            self.assertEqual(text, f.read())

    def test_actions_when_nothing_is_in_flight(self):
        a, b, c, d = self.send(4)
        self.wait_attempts(d, 1)
        status, doc, _ = self.request("POST", f"/api/v1/queue/{a}/hold", self.admin)
        self.assertEqual((status, doc["changed"], doc["waiting"]), (200, 1, 0))
        self.assertEqual(self.states(a), ["held"])
        self.next_hop.mode = "accept"
        status, doc, _ = self.request("POST", "/api/v1/queue/actions", self.admin,
                                      {"action": "retry", "ids": [a, b, "ZZZZZZZZZZ"]})
        self.assertEqual((doc["changed"], doc["missing"]), (1, ["ZZZZZZZZZZ"]))   # a is held: not retried
        wait_for(lambda: self.states(b) is None, what="b delivered on retry")
        self.assertEqual(self.states(a), ["held"])
        self.assertEqual(self.request("POST", f"/api/v1/queue/{a}/release", self.admin)[1]["changed"], 1)
        wait_for(lambda: self.states(a) is None, what="a delivered once released")
        self.next_hop.mode = "defer"
        self.assertEqual(self.request("DELETE", f"/api/v1/queue/{c}", self.admin)[1]["changed"], 1)
        self.assertIsNone(self.states(c))
        self.assertEqual(self.request("POST", f"/api/v1/queue/{c}/delete", self.admin)[0], 404)
        delivered = len(self.next_hop.accepted)
        self.next_hop.mode = "accept"
        self.assertEqual(self.request("POST", f"/api/v1/queue/{d}/bounce", self.admin)[1]["changed"], 1)
        wait_for(lambda: len(self.next_hop.accepted) > delivered, what="the DSN of the bounce")
        dsn = self.next_hop.accepted[-1]
        self.assertEqual(dsn.rcpt_tos, ["alice@corp.test"])
        self.assertIn(b"bounced by the administrator", dsn.original_content)
        self.assertIsNone(self.states(d))
        audit = self.request("GET", "/api/v1/audit?limit=2", self.reader)[1]
        self.assertEqual([e["action"] for e in audit["items"]], ["queue.bounce", "queue.delete"])
        self.assertEqual(audit["items"][0]["actor"], "ops")
        self.assertEqual(audit["items"][0]["before"][0]["state"], "deferred")
        self.assertEqual(audit["items"][0]["after"][0]["pending_action"], "bounce")
        older = self.request("GET", f"/api/v1/audit?cursor={audit['next_cursor']}", self.reader)[1]
        self.assertEqual([e["action"] for e in older["items"]], ["queue.delete", "queue.release", "queue.retry", "queue.hold"][1:])

    def test_sigusr1_retries_everything_now(self):
        (qid,) = self.send(1)
        self.wait_attempts(qid, 1)   # deferred for an hour
        self.next_hop.mode = "accept"
        self.g.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: self.states(qid) is None, what="delivered after SIGUSR1")
        entry = self.request("GET", "/api/v1/audit", self.reader)[1]["items"][0]
        self.assertEqual((entry["actor"], entry["action"]), ("signal", "queue.retry"))

    def test_two_gateways_on_one_database(self):
        """An action taken through one gateway's API reaches a message that
        another gateway received and is delivering; both list the same queue."""
        from harness import Gateway
        other = Gateway(self.db, [("dest.test", f"127.0.0.1:{self.next_hop.port}")], self.workdir, name="gw2",
                        retry={"first_delay": "1h", "max_delay": "2h", "lifetime": "1d"})
        other.start()
        self.cleanups.append(lambda: other.stop(timeout=15))
        r = swaks(other.port, "bob@dest.test", data="Subject: via gw2\r\n\r\nhello\r\n")
        qid = re.search(r"queued as ([0-9A-Z]{10})", r.stdout).group(1)
        self.wait_attempts(qid, 1)
        self.assertEqual(self.request("POST", f"/api/v1/queue/{qid}/hold", self.admin)[1]["changed"], 1)
        with urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{other.admin_port}/api/v1/queue/{qid}",
                headers={"Authorization": f"Bearer {self.reader}"}), timeout=30) as resp:
            seen = json.loads(resp.read())
        self.assertEqual(seen["recipients"][0]["state"], "held")
        self.next_hop.mode = "accept"
        self.request("POST", "/api/v1/queue/actions", self.admin, {"action": "release", "ids": [qid]})
        wait_for(lambda: self.states(qid) is None, what="delivered by one of the two after release")

    def race(self, action, final_code):
        """One message held in flight at the next hop while `action` is
        taken; then the next hop answers final_code. Returns the qid and
        the action's answer."""
        self.next_hop.mode = "gate"
        self.next_hop.arrived.clear()
        (qid,) = self.send(1, subject=f"race-{action}-{final_code}")
        self.assertTrue(self.next_hop.arrived.wait(30), "the delivery never reached the next hop")
        status, doc, _ = self.request("POST", f"/api/v1/queue/{qid}/{action}", self.admin)
        self.assertEqual(status, 200)
        self.next_hop.mode = "defer"
        self.next_hop.release(final_code)
        return qid, doc

    def test_actions_racing_a_delivery(self):
        # A delivery that succeeds wins: the message is delivered once and
        # neither held nor bounced.
        for action in ("hold", "bounce", "delete", "retry"):
            before = len(self.next_hop.accepted)
            qid, doc = self.race(action, 250)
            self.assertEqual((doc["changed"], doc["waiting"]), (0, 1), action)
            wait_for(lambda: self.states(qid) is None, what=f"{action}: delivered")
            time.sleep(0.5)
            self.assertEqual(len(self.next_hop.accepted), before + 1, f"{action}: delivered once, no DSN")
        # A deferral gives way to the action.
        qid, _ = self.race("hold", 451)
        wait_for(lambda: self.states(qid) == ["held"], what="held after the deferral")
        qid, _ = self.race("delete", 451)
        wait_for(lambda: self.states(qid) is None, what="deleted after the deferral")
        qid, _ = self.race("retry", 451)
        wait_for(lambda: len(self.message(qid)["attempts"]) >= 2, timeout=20, what="retried at once")
        before = len(self.next_hop.accepted)
        self.next_hop.mode = "gate"
        self.next_hop.arrived.clear()
        (qid,) = self.send(1, subject="race-bounce-451")
        self.assertTrue(self.next_hop.arrived.wait(30))
        self.assertEqual(self.request("POST", f"/api/v1/queue/{qid}/bounce", self.admin)[1]["waiting"], 1)
        self.next_hop.mode = "accept"
        self.next_hop.release(451)
        wait_for(lambda: self.states(qid) is None, what="bounced after the deferral")
        wait_for(lambda: len(self.next_hop.accepted) > before, what="its DSN")
        self.assertIn(b"bounced by the administrator", self.next_hop.accepted[-1].original_content)
        self.assertNotIn(b"race-bounce-451\r\n\r\n", b"".join(e.original_content for e in self.next_hop.accepted[:before]))

    def test_cli_end_to_end(self):
        ids = self.send(3)
        self.wait_attempts(ids[-1], 1)
        env = dict(os.environ, X400GW_TOKEN=self.admin)
        url = ["--url", self.base]

        def ctl(*args, token_env=env):
            return subprocess.run([CTL, *args], capture_output=True, text=True, env=token_env, timeout=60)

        r = ctl("queue", *url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("-Queue ID-", r.stdout)
        for q in ids:
            self.assertIn(q, r.stdout)
        self.assertIn("bob@dest.test  deferred (", r.stdout)
        self.assertRegex(r.stdout, r"-- \d+ Kbytes in 3 Requests\.")
        r = ctl("queue", *url, "--json")
        self.assertEqual(len(json.loads(r.stdout)["items"]), 3)
        # A token file saved by a Windows editor (BOM, CR LF) holds the same token.
        token_file = os.path.join(self.workdir, "token.txt")
        with open(token_file, "wb") as f:
            f.write(b"\xef\xbb\xbf" + self.reader.encode() + b"\r\n")
        no_env_token = {k: v for k, v in os.environ.items() if k != "X400GW_TOKEN"}
        r = ctl("summary", *url, "--token-file", token_file, token_env=no_env_token)
        self.assertEqual(r.returncode, 0, r.stderr)
        # --url: the scheme in any case (RFC 3986 3.1); an IPv6 literal is
        # connected to, not looked up with its brackets; a URL x400gwctl
        # cannot use is a usage error (2) that says why.
        r = ctl("summary", "--url", self.base.replace("http://", "HTTP://"))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = ctl("summary", "--url", "http://[::1]:1")
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("resolve", r.stderr)
        host_port = self.base.split("//", 1)[1]
        for bad, why in [(host_port, "http://HOST:PORT"), ("http://127.0.0.1:99999", "port"),
                         ("http://user:secret@" + host_port, "user"), ("ftp://" + host_port, "http://HOST:PORT"),
                         (self.base + "/?x=1", "query")]:
            r = ctl("summary", "--url", bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn(why, r.stderr, bad)
        r = ctl("queue", *url, "hold", ids[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("hold: 1 messages, 1 recipients changed", r.stdout)
        self.assertIn(f"{ids[0]}!", ctl("queue", *url).stdout)
        r = ctl("queue", *url, "--state", "held", "release")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("release: 1 messages", r.stdout)
        r = ctl("queue", *url, "show", ids[1])
        self.assertIn("recipient: <bob@dest.test>", r.stdout)
        self.assertIn("attempt: ", r.stdout)
        self.assertNotIn("dsn: ", r.stdout)
        self.assertNotIn("notify=", r.stdout)
        self.assertNotIn("priority: ", r.stdout)
        # The DSN parameters a client gave (RFC 3461) and its priority (RFC
        # 6710) are shown with the message.
        c = Smtp(self.g.port)
        c.reply()
        c.cmd("EHLO client.test")
        for command in ("MAIL FROM:<alice@corp.test> RET=FULL ENVID=e+2B1 MT-PRIORITY=-2",
                        "RCPT TO:<bob@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@dest.test", "DATA"):
            c.cmd(command)
        code, lines = c.cmd("Subject: dsn\r\n\r\nx\r\n.")
        self.assertEqual(code, 250, lines)
        qid = re.search(r"queued as ([0-9A-Z]{10})", lines[-1]).group(1)
        doc = self.message(qid)
        self.assertEqual((doc["ret"], doc["envid"], doc["priority"]), ("FULL", "e+1", -2))
        self.assertEqual((doc["recipients"][0]["notify"], doc["recipients"][0]["orcpt"]),
                         ("SUCCESS,FAILURE", "rfc822;Bob@dest.test"))
        r = ctl("queue", *url, "show", qid)
        self.assertIn("dsn: ret=FULL envid=e+1\npriority: -2\n", r.stdout)
        self.assertIn(", notify=SUCCESS,FAILURE, orcpt=rfc822;Bob@dest.test", r.stdout)
        r = ctl("queue", *url, "show", "ZZZZZZZZZZ")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no message ZZZZZZZZZZ", r.stderr)
        r = ctl("queue", *url, "delete")
        self.assertEqual(r.returncode, 2)
        r = ctl("queue", *url, "frobnicate")
        self.assertEqual(r.returncode, 2)
        r = ctl("summary", *url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("TOTAL", r.stdout)
        self.assertIn("deferred", r.stdout)
        self.assertIn("by_next_hop", ctl("summary", *url, "--json").stdout)
        reader = dict(os.environ, X400GW_TOKEN=self.reader)
        r = ctl("queue", *url, "delete", "--all", token_env=reader)
        self.assertEqual(r.returncode, 1)
        self.assertIn("read role", r.stderr)
        r = ctl("queue", *url, "delete", "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Mail queue is empty", ctl("queue", *url).stdout)
        r = ctl("token", "revoke", "watcher", "--database", self.db.dsn)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ctl("queue", *url, token_env=reader).returncode, 1)
        self.assertEqual(ctl("token", "revoke", "watcher", "--database", self.db.dsn).returncode, 1)
        self.assertEqual(ctl("token", "create", "--name", "x", "--role", "root", "--database", self.db.dsn).returncode, 2)
        no_token = {k: v for k, v in os.environ.items() if k != "X400GW_TOKEN"}
        r = ctl("queue", *url, token_env=no_token)
        self.assertEqual(r.returncode, 1)
        self.assertIn("X400GW_TOKEN", r.stderr)


class RestTestConfig(RestBase):
    """Routes and mapping tables through the API: stored in the database,
    applied by every gateway on it; imports are all or nothing."""

    def extra_top(self):
        self.x400_side = self.sink()
        table1 = os.path.join(self.workdir, "or-to-domain.txt")
        with open(table1, "w") as f:
            f.write("O$Widget.PRMD$@.ADMD$BTT.C$TC#widget.test#\n")
        table2 = os.path.join(self.workdir, "domain-to-or.txt")
        with open(table2, "w") as f:
            f.write("# from the file\nmapped.test#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n")
        return mixer_section({"or-to-domain": table1, "domain-to-or": table2}, self.x400_side.port)

    def second_gateway(self):
        from harness import Gateway
        other = Gateway(self.db, [("dest.test", f"127.0.0.1:{self.next_hop.port}"),
                                  ("corp.test", f"127.0.0.1:{self.next_hop.port}")], self.workdir, name="gw2",
                        extra_top=self.g_extra, extra="")
        other.start()
        self.cleanups.append(lambda: other.stop(timeout=15))
        return other

    def setUp(self):
        super().setUp()
        with open(self.g.config) as f:
            conf = f.read()
        self.g_extra = conf[conf.index("[addressing]"):]
        self.other = self.second_gateway()
        self.other_base = f"http://127.0.0.1:{self.other.admin_port}"

    def rcpt(self, gw, address):
        return rcpt_code(gw.port, address)

    def test_routes_changed_through_one_gateway_used_by_the_other(self):
        status, doc, _ = self.request("GET", "/api/v1/routes", self.reader)
        self.assertEqual([(r["domain"], r["source"]) for r in doc["items"]],
                         [("corp.test", "file"), ("dest.test", "file")])
        refused = self.rcpt(self.other, "x@new.test")
        self.assertGreaterEqual(refused, 500)
        other_sink = self.sink()
        status, doc, _ = self.request("POST", "/api/v1/routes", self.admin,
                                      {"domain": "New.Test", "next_hop": f"127.0.0.1:{other_sink.port}"})
        self.assertEqual(status, 201, doc)
        self.assertEqual(doc["after"]["source"], "database")
        self.assertIsNone(doc["before"])
        # The other gateway applies it within its poll, and delivers by it.
        wait_for(lambda: self.rcpt(self.other, "x@new.test") == 250, timeout=10, what="the route on gw2")
        swaks(self.other.port, "bob@new.test", data="Subject: by the new route\r\n\r\nhi\r\n")
        other_sink.wait_count(1)
        reloads = {k: v for k, v in self.other.metrics().items() if k.startswith("x400gw_config_reloads_total")}
        self.assertGreaterEqual(reloads.get('x400gw_config_reloads_total{result="ok",what="routes"}', 0), 2, reloads)
        # A database route replaces the file's for the same domain.
        status, doc, _ = self.request("PUT", "/api/v1/routes/dest.test", self.admin,
                                      {"next_hop": f"127.0.0.1:{other_sink.port}", "tls": "none"})
        self.assertEqual(status, 201, doc)
        self.assertEqual(doc["before"]["source"], "file")
        status, doc, _ = self.request("PUT", "/api/v1/routes/dest.test", self.admin,
                                      {"next_hop": f"127.0.0.1:{other_sink.port}", "tls": "may"})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["before"]["tls"], "none")
        wait_for(lambda: self.request("GET", "/api/v1/route-lookup?domain=dest.test", self.reader,
                                      base=self.other_base)[1]["source"] == "database", timeout=10,
                 what="gw2 to take the database's dest.test route")
        swaks(self.other.port, "bob@dest.test", data="Subject: overridden\r\n\r\nhi\r\n")
        other_sink.wait_count(2)
        status, doc, _ = self.request("GET", "/api/v1/routes/dest.test", self.reader)
        self.assertEqual((status, doc["source"], doc["next_hop"]), (200, "database", f"127.0.0.1:{other_sink.port}"))
        status, doc, _ = self.request("GET", "/api/v1/route-lookup?domain=Sub.New.Test", self.reader)
        self.assertEqual(status, 404)
        self.assertEqual(self.request("GET", "/api/v1/route-lookup?domain=new.test", self.reader)[1]["lookup"],
                         "new.test")
        cases = [
            ("POST", "/api/v1/routes", {"domain": "new.test", "next_hop": "h"}, 409, "in effect already"),
            ("POST", "/api/v1/routes", {"domain": "corp.test", "next_hop": "h"}, 409, "configuration file"),
            ("POST", "/api/v1/routes", {"domain": "bad..test", "next_hop": "h"}, 400, "not a route domain"),
            ("POST", "/api/v1/routes", {"domain": "a.test"}, 400, "next_hop must be a string"),
            ("POST", "/api/v1/routes", {"domain": "a.test", "next_hop": "h:0"}, 400, "bad port"),
            ("POST", "/api/v1/routes", {"domain": "a.test", "next_hop": "h", "tls": "maybe"}, 400, "tls must be"),
            ("POST", "/api/v1/routes", {"domain": "a.test", "next_hop": "h", "tls_name": "a b"}, 400, "blanks"),
            ("POST", "/api/v1/routes", {"domain": "a.test", "next_hop": "h", "tls_fallback": "yes"}, 400, "true or false"),
            ("POST", "/api/v1/routes", {"domain": "a.test", "next_hop": "h", "port": 25}, 400, "unknown field"),
            ("PUT", "/api/v1/routes/a.test", {"domain": "a.test", "next_hop": "h"}, 400, "unknown field"),
            ("PUT", "/api/v1/routes", {"next_hop": "h"}, 405, "allowed"),
            ("DELETE", "/api/v1/routes/corp.test", None, 409, "configuration file"),
            ("DELETE", "/api/v1/routes/none.test", None, 404, "no route"),
            ("GET", "/api/v1/routes/none.test", None, 404, "no route"),
            ("GET", "/api/v1/routes/bad..test", None, 404, "not a route domain"),
            ("GET", "/api/v1/routes?x=1", None, 400, "no query parameters"),
            ("GET", "/api/v1/route-lookup", None, 400, "domain is required"),
            ("GET", "/api/v1/route-lookup?domain=*.x.test", None, 400, "not a domain"),
            ("POST", "/api/v1/route-lookup?domain=x.test", None, 405, "allowed"),
            ("POST", "/api/v1/route-file", None, 405, "allowed"),
        ]
        for method, path, body, code, words in cases:
            status, doc, headers = self.request(method, path, self.admin, body)
            self.assertEqual(status, code, (method, path, doc))
            self.assertIn(words, doc["detail"], (method, path))
        for method, path, body in [("POST", "/api/v1/routes", {"domain": "r.test", "next_hop": "h"}),
                                   ("PUT", "/api/v1/routes/r.test", {"next_hop": "h"}),
                                   ("DELETE", "/api/v1/routes/new.test", None)]:
            status, doc, _ = self.request(method, path, self.reader, body)
            self.assertEqual(status, 403, (method, path, doc))
        status, _, _ = self.request("PUT", "/api/v1/route-file", self.reader, b"a.test h\n", content_type="text/plain")
        self.assertEqual(status, 403)
        # The route file: an import with bad lines changes nothing and names each.
        status, ctype, text, _ = self.request("GET", "/api/v1/route-file", self.reader, raw=True)
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertEqual(text.decode(), f"dest.test 127.0.0.1:{other_sink.port} tls=may\n"
                                        f"new.test 127.0.0.1:{other_sink.port} tls=may\n")
        before = self.request("GET", "/api/v1/routes", self.reader)[1]
        bad = (b"# routes\nok.test 127.0.0.1:25\nbad..test h\n*.x.test [::1]:2525 tls=verify tls_name=mx.x.test\n"
               b"ok.test h2\nz.test h tls=maybe\n")
        status, doc, _ = self.request("PUT", "/api/v1/route-file", self.admin, bad, content_type="text/plain")
        self.assertEqual(status, 400, doc)
        self.assertEqual(doc["errors"], ["import:3: 'bad..test' is not a route domain (\"example.com\", \"*.example.com\" or \"*\")",
                                         "import:5: a second route for ok.test (first on line 2)",
                                         "import:6: tls must be none, may, encrypt or verify, not 'maybe'"])
        self.assertEqual(self.request("GET", "/api/v1/routes", self.reader)[1], before)
        status, doc, _ = self.request("PUT", "/api/v1/route-file", self.admin, b"a.test h", content_type="application/json")
        self.assertEqual(status, 415)
        good = f"new.test 127.0.0.1:{other_sink.port}\n*.x.test [::1]:2525 tls=verify tls_name=mx.x.test\n"
        status, doc, _ = self.request("PUT", "/api/v1/route-file", self.admin, good.encode(), content_type="text/plain")
        self.assertEqual((status, doc), (200, {"routes": 2}))
        status, doc, _ = self.request("GET", "/api/v1/routes", self.reader)
        self.assertEqual([(r["domain"], r["source"]) for r in doc["items"]],
                         [("*.x.test", "database"), ("corp.test", "file"), ("dest.test", "file"), ("new.test", "database")])
        self.assertEqual(self.request("GET", "/api/v1/route-lookup?domain=mx.x.test", self.reader)[1]["next_hop"],
                         "[::1]:2525")
        status, doc, _ = self.request("DELETE", "/api/v1/routes/new.test", self.admin)
        self.assertEqual((status, doc["before"]["domain"], doc["after"]), (200, "new.test", None))
        wait_for(lambda: self.rcpt(self.other, "x@new.test") >= 500, timeout=10, what="gw2 to drop the route")
        audit = [e["action"] for e in self.request("GET", "/api/v1/audit", self.reader)[1]["items"]]
        self.assertEqual(audit, ["route.delete", "route.import", "route.replace", "route.add", "route.add"])

    def test_tables_changed_through_one_gateway_used_by_the_other(self):
        status, doc, _ = self.request("GET", "/api/v1/tables", self.reader)
        self.assertEqual(doc["items"], [{"kind": "or-to-domain", "source": "file", "entries": 1},
                                        {"kind": "domain-to-or", "source": "file", "entries": 1},
                                        {"kind": "gate-or-to-domain", "source": "none", "entries": 0},
                                        {"kind": "gate-domain-to-or", "source": "none", "entries": 0}])
        # The lookup gives what x400gwctl address gives offline.
        offline = subprocess.run([CTL, "address", "--config", self.g.config, "to-x400", "ops@mapped.test"],
                                 capture_output=True, text=True)
        self.assertEqual(offline.returncode, 0, offline.stderr)
        status, doc, _ = self.request("GET", "/api/v1/address-lookup?to=x400&address=ops%40mapped.test", self.reader)
        self.assertEqual((doc["mapped"], doc["address"]), (True, offline.stdout.strip()))
        # As written, with a phrase and angle brackets: the same mapping.
        status, doc, _ = self.request("GET", "/api/v1/address-lookup?to=x400&address=Ops%20Team%20%3Cops%40mapped.test%3E",
                                      self.reader)
        self.assertEqual((doc["mapped"], doc["address"]), (True, offline.stdout.strip()))
        status, doc, _ = self.request("GET", "/api/v1/address-lookup?to=rfc822&address=%2FS%3DSmith%2FO%3DWidget"
                                             "%2FADMD%3DBTT%2FC%3DTC%2F", self.reader)
        self.assertEqual(doc["address"], "Smith@widget.test")
        status, doc, _ = self.request("GET", "/api/v1/address-lookup?to=rfc822&address=%2FS%3DX%2F", self.reader)
        self.assertFalse(doc["mapped"])
        self.assertIn(doc["stage"], ("parse", "validate", "map"))
        def on_gw2(address):
            return self.request("GET", f"/api/v1/address-lookup?to=x400&address={address}", self.reader,
                                base=self.other_base)[1]["address"]

        self.assertNotIn("O=New", on_gw2("x%40new.test"))   # encapsulated under the gateway's O/R address
        # Add an MCGAM through gw1: the file's table is copied into the
        # database with it, and gw2 maps by it within its poll.
        status, doc, _ = self.request("POST", "/api/v1/tables/domain-to-or", self.admin,
                                      {"key": "new.test", "value": "O$New.PRMD$@.ADMD$BTT.C$TC"})
        self.assertEqual(status, 201, doc)
        self.assertEqual(doc, {"before": None, "after": "new.test#O$New.PRMD$@.ADMD$BTT.C$TC#"})
        wait_for(lambda: "O=New" in on_gw2("x%40new.test"), timeout=10, what="gw2 to map by the new entry")
        r = swaks(self.other.port, "x@new.test", data="Subject: mapped\r\n\r\nhi\r\n")
        self.x400_side.wait_count(1)
        self.assertIn("O=New", self.x400_side.messages[0].rcpt_tos[0])
        status, doc, _ = self.request("GET", "/api/v1/tables", self.reader)
        self.assertEqual(doc["items"][1], {"kind": "domain-to-or", "source": "database", "entries": 2})
        status, doc, _ = self.request("GET", "/api/v1/tables/domain-to-or?limit=1", self.reader)
        self.assertEqual([e["key"] for e in doc["items"]], ["mapped.test"])
        status, doc, _ = self.request("GET", f"/api/v1/tables/domain-to-or?limit=1&cursor={doc['next_cursor']}",
                                      self.reader)
        self.assertEqual((doc["items"][0]["key"], doc["next_cursor"]), ("new.test", None))
        status, doc, _ = self.request("GET", "/api/v1/tables/domain-to-or/NEW.test", self.reader)
        self.assertEqual(doc["value"], "O$New.PRMD$@.ADMD$BTT.C$TC")
        status, doc, _ = self.request("PUT", "/api/v1/tables/domain-to-or/new.test", self.admin,
                                      {"value": "O$Newer.PRMD$@.ADMD$BTT.C$TC"})
        self.assertEqual((status, doc["before"], doc["after"]),
                         (200, "new.test#O$New.PRMD$@.ADMD$BTT.C$TC#", "new.test#O$Newer.PRMD$@.ADMD$BTT.C$TC#"))
        status, ctype, text, _ = self.request("GET", "/api/v1/table-file/domain-to-or", self.reader, raw=True)
        self.assertEqual(text.decode(), "mapped.test#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n"
                                        "new.test#O$Newer.PRMD$@.ADMD$BTT.C$TC#\n")
        status, ctype, text, _ = self.request("GET", "/api/v1/table-file/or-to-domain", self.reader, raw=True)
        self.assertEqual(text.decode(), "O$Widget.PRMD$@.ADMD$BTT.C$TC#widget.test#\n")
        # An import with a bad line changes nothing, and names every bad line.
        before = self.request("GET", "/api/v1/tables/domain-to-or", self.reader)[1]
        bad = (b"# imported\nnew.test#O$Imp.ADMD$BTT.C$TC#\nbroken line\n"
               b"other.test#O$Other.ADMD$BTT.C$TC#\nnew.test#O$Again.ADMD$BTT.C$TC#\n")
        status, doc, _ = self.request("PUT", "/api/v1/table-file/domain-to-or", self.admin, bad,
                                      content_type="text/plain")
        self.assertEqual(status, 400, doc)
        self.assertEqual(doc["errors"], ["import:3: missing '#' between the two sides",
                                         "import:5: duplicate key (first on line 2)"])
        self.assertEqual(self.request("GET", "/api/v1/tables/domain-to-or", self.reader)[1], before)
        wait_for(lambda: self.request("GET", "/api/v1/tables/domain-to-or", self.reader,
                                      base=self.other_base)[1] == before, timeout=10, what="gw2 to agree")
        # An MCGAM key also in a gateway table cannot combine: 409, nothing changed.
        status, doc, _ = self.request("PUT", "/api/v1/table-file/gate-domain-to-or", self.admin,
                                      b"mapped.test#O$Gw.ADMD$BTT.C$TC#\n", content_type="text/plain")
        self.assertEqual(status, 409, doc)
        good = b"# imported\nnew.test#O$Imp.PRMD$@.ADMD$BTT.C$TC#\nother.test#O$Other.PRMD$@.ADMD$BTT.C$TC#\n"
        status, doc, _ = self.request("PUT", "/api/v1/table-file/domain-to-or", self.admin, good,
                                      content_type="text/plain")
        self.assertEqual((status, doc), (200, {"entries": 2}))
        status, ctype, text, _ = self.request("GET", "/api/v1/table-file/domain-to-or", self.reader, raw=True)
        self.assertEqual(text, good)
        wait_for(lambda: "O=Mapped" not in on_gw2("ops%40mapped.test"), timeout=10, what="gw2 to drop mapped.test")
        status, doc, _ = self.request("DELETE", "/api/v1/tables/domain-to-or/other.test", self.admin)
        self.assertEqual((status, doc["after"]), (200, None))
        cases = [
            ("DELETE", "/api/v1/tables/domain-to-or/other.test", None, 404, "no entry"),
            ("GET", "/api/v1/tables/domain-to-or/other.test", None, 404, "no entry"),
            ("POST", "/api/v1/tables/domain-to-or", {"key": "new.test", "value": "O$X.ADMD$BTT.C$TC"}, 409, "line 2"),
            ("POST", "/api/v1/tables/domain-to-or", {"key": "x.test", "value": "O$X.C$TC.ADMD$BTT"}, 400, ""),
            ("POST", "/api/v1/tables/domain-to-or", {"key": "x.test"}, 400, "value must be a string"),
            ("POST", "/api/v1/tables/domain-to-or", {"key": "x.test", "value": "O$X.ADMD$BTT.C$TC", "n": 1}, 400,
             "unknown field"),
            ("PUT", "/api/v1/tables/domain-to-or/x.test", {"value": "O$X.ADMD$BTT.C$TC"}, 404, "no entry"),
            ("GET", "/api/v1/tables/colours", None, 404, "no table"),
            ("GET", "/api/v1/tables/domain-to-or?limit=0", None, 400, "limit"),
            ("GET", "/api/v1/tables/domain-to-or?size=1", None, 400, "unknown query parameter"),
            ("DELETE", "/api/v1/tables", None, 405, "allowed"),
            ("GET", "/api/v1/table-file/gate-or-to-domain", None, 404, "no gate-or-to-domain table"),
            ("GET", "/api/v1/table-file/colours", None, 404, "no table"),
            ("GET", "/api/v1/address-lookup?to=mars&address=x", None, 400, "to must be"),
            ("GET", "/api/v1/address-lookup?to=x400", None, 400, "address is required"),
            ("GET", "/api/v1/address-lookup?to=x400&address=a%40b.test&role=boss", None, 400, "role must be"),
        ]
        for method, path, body, code, words in cases:
            status, doc, headers = self.request(method, path, self.admin, body)
            self.assertEqual(status, code, (method, path, doc))
            self.assertIn(words, doc["detail"], (method, path))
        for method, path, body in [("POST", "/api/v1/tables/domain-to-or", {"key": "r.test", "value": "O$R.ADMD$B.C$TC"}),
                                   ("PUT", "/api/v1/tables/domain-to-or/new.test", {"value": "O$R.ADMD$B.C$TC"}),
                                   ("DELETE", "/api/v1/tables/domain-to-or/new.test", None)]:
            self.assertEqual(self.request(method, path, self.reader, body)[0], 403)
        status, _, _ = self.request("PUT", "/api/v1/table-file/domain-to-or", self.reader, good,
                                    content_type="text/plain")
        self.assertEqual(status, 403)
        audit = [e["action"] for e in self.request("GET", "/api/v1/audit", self.reader)[1]["items"]]
        self.assertEqual(audit, ["table.delete", "table.import", "table.replace", "table.add"])

    def test_cli_routes_and_tables(self):
        env = dict(os.environ, X400GW_TOKEN=self.admin)
        url = ["--url", self.base]

        def ctl(*args, stdin=None):
            return subprocess.run([CTL, *args], capture_output=True, text=True, env=env, timeout=60, input=stdin)

        r = ctl("routes", *url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"corp.test  127.0.0.1:{self.next_hop.port}  tls=may  (file)", r.stdout)
        r = ctl("routes", *url, "add", "new.test", "127.0.0.1:2600", "--tls", "encrypt")
        self.assertEqual((r.returncode, r.stdout), (0, "added: new.test  127.0.0.1:2600  tls=encrypt  (database)\n"))
        self.assertEqual(ctl("routes", *url, "add", "new.test", "h").returncode, 1)
        r = ctl("routes", *url, "replace", "new.test", "[::1]:26", "--tls-fallback")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[::1]:26  tls=may tls_fallback=yes", r.stdout)
        self.assertIn("(database)", ctl("routes", *url, "lookup", "new.test").stdout)
        self.assertEqual(json.loads(ctl("routes", *url, "show", "new.test", "--json").stdout)["next_hop"], "[::1]:26")
        self.assertEqual(ctl("routes", *url, "export").stdout, "new.test [::1]:26 tls=may tls_fallback=yes\n")
        r = ctl("routes", *url, "import", "-", stdin="a.test h\nbad..test h\nb.test h:99999\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 bad line(s); nothing was changed", r.stderr)
        self.assertIn("import:2: 'bad..test' is not a route domain", r.stderr)
        self.assertIn("import:3: bad port", r.stderr)
        r = ctl("routes", *url, "import", "-", stdin="a.test h\n")
        self.assertEqual((r.returncode, r.stdout), (0, "routes: 1 routes in the database\n"))
        r = ctl("routes", *url, "delete", "a.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = ctl("routes", *url, "delete", "corp.test")
        self.assertEqual(r.returncode, 1)
        self.assertIn("configuration file", r.stderr)
        self.assertEqual(ctl("routes", *url, "frobnicate").returncode, 2)
        r = ctl("tables", *url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("domain-to-or       file      1 entries", r.stdout)
        r = ctl("tables", *url, "add", "domain-to-or", "new.test", "O$New.PRMD$@.ADMD$BTT.C$TC")
        self.assertEqual((r.returncode, r.stdout), (0, "added: new.test#O$New.PRMD$@.ADMD$BTT.C$TC#\n"))
        r = ctl("tables", *url, "list", "domain-to-or")
        self.assertEqual(r.stdout, "mapped.test#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\nnew.test#O$New.PRMD$@.ADMD$BTT.C$TC#\n")
        offline = subprocess.run([CTL, "address", "--config", self.g.config, "to-rfc822", "/S=Smith/O=Widget/ADMD=BTT/C=TC/"],
                                 capture_output=True, text=True)
        r = ctl("tables", *url, "lookup", "to-rfc822", "/S=Smith/O=Widget/ADMD=BTT/C=TC/")
        self.assertEqual((r.returncode, r.stdout), (offline.returncode, offline.stdout))
        offline = subprocess.run([CTL, "address", "--config", self.g.config, "to-rfc822", "/S=Smith/C=TC/"],
                                 capture_output=True, text=True)
        r = ctl("tables", *url, "lookup", "to-rfc822", "/S=Smith/C=TC/")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (offline.returncode, offline.stdout, offline.stderr))
        r = ctl("tables", *url, "replace", "domain-to-or", "new.test", "O$Newer.PRMD$@.ADMD$BTT.C$TC")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("-> new.test#O$Newer", r.stdout)
        r = ctl("tables", *url, "import", "domain-to-or", "-", stdin="a.test#O$A.ADMD$BTT.C$TC#\nbroken\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("import:2: missing '#'", r.stderr)
        r = ctl("tables", *url, "import", "domain-to-or", "-", stdin="a.test#O$A.ADMD$BTT.C$TC#\n")
        self.assertEqual((r.returncode, r.stdout), (0, "domain-to-or: 1 entries in the database\n"))
        self.assertEqual(ctl("tables", *url, "export", "domain-to-or").stdout, "a.test#O$A.ADMD$BTT.C$TC#\n")
        # Entries are shown as the table reads them: the skipped PRMD is "$@".
        self.assertEqual(ctl("tables", *url, "show", "domain-to-or", "A.TEST").stdout,
                         "a.test#O$A.PRMD$@.ADMD$BTT.C$TC#\n")
        r = ctl("tables", *url, "delete", "domain-to-or", "a.test")
        self.assertEqual((r.returncode, r.stdout), (0, "deleted: a.test#O$A.PRMD$@.ADMD$BTT.C$TC#\n"))
        self.assertEqual(ctl("tables", *url, "delete", "domain-to-or", "a.test").returncode, 1)
        self.assertEqual(ctl("tables", *url, "list", "colours").returncode, 2)
        self.assertIn('"items"', ctl("tables", *url, "--json").stdout)


class RestTestCoverage(unittest.TestCase):
    """Every operation of the document was exercised by the RestTest tests
    (loaded before this class: unittest orders a module's classes by name)."""

    def test_every_documented_operation_was_exercised(self):
        if not SEEN:
            self.skipTest("RestTest did not run in this process")
        with open(OPENAPI) as f:
            doc = json.load(f)
        missing = []
        for path, ops in doc["paths"].items():
            for method in ops:
                if not any(p == path and m == method.upper() for p, m, _ in SEEN):
                    missing.append(f"{method.upper()} {path}")
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
