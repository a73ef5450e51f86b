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
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

import jsonschema

from harness import BIN, GatewayTest, swaks, wait_for

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
    return p


class RestTest(GatewayTest):
    @classmethod
    def setUpClass(cls):
        with open(OPENAPI) as f:
            cls.doc = json.load(f)

    def setUp(self):
        super().setUp()
        self.next_hop = GateSink()
        self.cleanups.append(self.next_hop.stop)
        self.g = self.gateway([("dest.test", f"127.0.0.1:{self.next_hop.port}"),
                               ("corp.test", f"127.0.0.1:{self.next_hop.port}")],
                              retry={"first_delay": "1h", "max_delay": "2h", "lifetime": "1d"})
        self.admin = self.token("ops", "admin")
        self.reader = self.token("watcher", "read")
        self.base = f"http://127.0.0.1:{self.g.admin_port}"

    def token(self, name, role):
        r = subprocess.run([CTL, "token", "create", "--name", name, "--role", role, "--database", self.db.dsn],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    # --- HTTP, checked against the OpenAPI document ---

    def request(self, method, path, token=None, body=None, content_type="application/json", raw=False):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
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

    # --- tests ---

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
        # Nothing above changed the queue or wrote the audit trail.
        self.assertEqual(self.states(ids[0]), ["deferred"] if self.message(ids[0])["attempts"] else ["queued"])
        self.assertEqual(self.request("GET", "/api/v1/audit", self.reader)[1]["items"], [])

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
