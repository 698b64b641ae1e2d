"""`dealrules serve` end to end: the built binary on a free loopback port, every route and
error status, reloads, shutdown with requests in flight, tokens, the decision log, clients that
leave mid-batch. Run by scripts/test: `python3 Tests/service/test_service.py BINARY`.

Each test starts its own server with `--port 0` (the system picks a free port; the server
prints it) and stops it by its process id. Only the standard library and jsonschema are used.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

# A client thread cut off by `kill -9` leaves its socket to the collector; that is the test.
warnings.simplefilter("ignore", ResourceWarning)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/dealrules"))
SAMPLES = os.path.join(ROOT, "samples/northwind")
DEALS = os.path.join(ROOT, "samples/deals")
VERSION = re.compile(r"^[0-9a-f]{64}$")


class Server:
    """A `dealrules serve` process on a free port, stopped by its pid."""

    def __init__(self, *args, rules=SAMPLES):
        # stderr (the log) goes to a file: a pipe nobody reads would fill and stall the server.
        self.stderr_path = tempfile.mktemp(suffix=".log")
        self.stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen([BINARY, "serve", rules, "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+) .*version ([0-9a-f]{64})", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"the server did not start: {line!r} {open(self.stderr_path).read()}")
        self.port = int(match.group(1))
        self.version = match.group(2)

    def request(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, str):
            body = body.encode()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), data

    def json(self, method, path, body=None, headers=None):
        status, headers, data = self.request(method, path, body, headers)
        return status, headers, json.loads(data)

    def signal(self, sig):
        os.kill(self.process.pid, sig)

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.stderr.close()
        return self.process.returncode


def read(path):
    with open(path, "rb") as f:
        return f.read()


def run(*args, stdin=None):
    return subprocess.run([BINARY, *args], input=stdin, capture_output=True)


def wait_for(condition, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


class RoutesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            raise AssertionError(f"the server exited {code} after SIGTERM")

    def test_decide_is_byte_identical_to_eval(self):
        for name in sorted(os.listdir(DEALS)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(DEALS, name)
            status, headers, body = self.server.request("POST", "/v1/decide?pretty=true&today=2026-12-01", read(path))
            self.assertEqual(status, 200, name)
            self.assertEqual(headers["DealRules-Version"], self.server.version)
            expected = run("eval", SAMPLES, "--deal", path, "--format", "json", "--today", "2026-12-01").stdout
            self.assertEqual(body, expected, name)
            compact = self.server.request("POST", "/v1/decide?today=2026-12-01", read(path))[2]
            self.assertEqual(json.loads(compact), json.loads(expected))
            self.assertEqual(compact.count(b"\n"), 1, "compact bodies are one line")
        explained = self.server.request("POST", "/v1/decide?explain=true&today=2026-12-01&pretty=true",
                                        read(os.path.join(DEALS, "needs-approval.json")))[2]
        self.assertEqual(explained, run("eval", SAMPLES, "--deal", os.path.join(DEALS, "needs-approval.json"),
                                        "--format", "json", "--today", "2026-12-01", "--explain").stdout)

    def test_batch_is_byte_identical_to_eval_for_samples_and_generated_deals(self):
        stream = read(os.path.join(DEALS, "stream.jsonl"))
        generated = generate_deals(self.server, 2000)
        for body in (stream, generated):
            expected = run("eval", SAMPLES, "--deals", "-", "--today", "2026-12-01", stdin=body).stdout
            status, headers, answer = self.server.request("POST", "/v1/decide/batch?today=2026-12-01", body,
                                                          {"Content-Type": "application/x-ndjson"})
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/x-ndjson")
            self.assertEqual(answer, expected)
        # The same deals as a JSON array answer the same lines (those that are JSON: a line cut
        # short would break the array itself).
        lines = [line for line in generated.split(b"\n") if line.strip() and is_json(line)]
        array = b"[" + b",\n".join(lines) + b"]"
        answer = self.server.request("POST", "/v1/decide/batch?today=2026-12-01", array, {"Content-Type": "application/json"})[2]
        self.assertEqual(answer, run("eval", SAMPLES, "--deals", "-", "--today", "2026-12-01", stdin=b"\n".join(lines)).stdout)

    def test_every_advice_route(self):
        deal = json.loads(read(os.path.join(DEALS, "needs-approval.json")))
        cases = {
            "/v1/whatif": ({"deal": deal, "facts": ["region = US"]}, "whatif"),
            "/v1/avoid": ({"deal": deal, "approval": "finance_approval"}, "avoid"),
            "/v1/missing": ({"deal": {"discount": 5}}, "missing"),
            "/v1/why": ({"deal": deal}, "why"),
            "/v1/scenario": ({"deal": deal, "name": "Fabrikam"}, "scenario"),
        }
        schema = json.loads(read(os.path.join(ROOT, "grammar/dealrules-advice.schema.json")))
        import jsonschema
        for path, (body, form) in cases.items():
            status, headers, answer = self.server.json("POST", path + "?today=2026-12-01", json.dumps(body))
            self.assertEqual(status, 200, path)
            self.assertEqual(answer["advice"], form)
            jsonschema.validate(answer, schema, cls=jsonschema.Draft202012Validator)
        status, _, answer = self.server.json("POST", "/v1/since", json.dumps({"approved": deal, "deal": deal}))
        self.assertEqual(status, 200)
        self.assertIn("since", answer)
        jsonschema.validate(answer, schema, cls=jsonschema.Draft202012Validator)

    def test_rules_schema_status_openapi_health_metrics(self):
        status, _, rules = self.server.json("GET", "/v1/rules")
        self.assertEqual(status, 200)
        self.assertEqual(rules["format"], "dealrules.rule-set")
        status, _, schema = self.server.json("GET", "/v1/deal-schema")
        self.assertEqual(status, 200)
        self.assertEqual(schema, json.loads(run("compile", SAMPLES, "--deal-schema").stdout))
        import jsonschema
        jsonschema.Draft202012Validator.check_schema(schema)
        for name in os.listdir(DEALS):
            if name.endswith(".json"):
                jsonschema.validate(json.loads(read(os.path.join(DEALS, name))), schema, cls=jsonschema.Draft202012Validator)
        self.assertFalse(jsonschema.Draft202012Validator(schema).is_valid({"region": "Mars"}))
        status, _, state = self.server.json("GET", "/v1/rules/status")
        self.assertEqual(state["version"], self.server.version)
        status, headers, document = self.server.request("GET", "/v1/openapi.yaml")
        self.assertEqual(document, read(os.path.join(ROOT, "docs/openapi.yaml")))
        self.assertEqual(self.server.json("GET", "/healthz")[2], {"status": "ok"})
        self.assertEqual(self.server.json("GET", "/readyz")[2], {"status": "ready", "version": self.server.version})
        self.server.request("POST", "/v1/decide", read(os.path.join(DEALS, "blocked.json")))
        metrics = self.server.request("GET", "/metrics")[2].decode()
        for expected in ['dealrules_http_requests_total{route="/v1/decide",status="200"}',
                         "dealrules_http_request_duration_seconds_bucket",
                         'dealrules_decisions_total{kind="blocked"}',
                         f'dealrules_rules_info{{version="{self.server.version}"}} 1']:
            self.assertIn(expected, metrics)
        status, headers, body = self.server.request("HEAD", "/healthz")
        self.assertEqual((status, body), (200, b""))

    def test_error_statuses(self):
        status, _, answer = self.server.json("POST", "/v1/decide", '{\n  "discount": 25,\n  oops\n}')
        self.assertEqual(status, 400)
        self.assertEqual((answer["error"]["code"], answer["error"]["line"], answer["error"]["column"]), ("deal.invalid-json", 3, 3))
        status, _, answer = self.server.json("POST", "/v1/decide", '{"region": "Mars"}')
        self.assertEqual(status, 422)
        expected = json.loads(run("eval", SAMPLES, "--deals", "-", stdin=b'{"region": "Mars"}').stdout)["error"]
        self.assertEqual({k: answer["error"][k] for k in expected}, expected)
        self.assertEqual(self.server.json("GET", "/v1/nothing")[0], 404)
        status, headers, _ = self.server.json("GET", "/v1/decide")
        self.assertEqual((status, headers["Allow"]), (405, "POST"))
        self.assertEqual(self.server.json("POST", "/v1/decide/batch", "{}", {"Content-Type": "text/csv"})[0], 415)
        self.assertEqual(self.server.json("POST", "/v1/decide/batch", "{}", {"Content-Type": "application/json"})[0], 400)
        self.assertEqual(self.server.json("POST", "/v1/decide?today=tomorrow", "{}")[0], 400)
        # An array that breaks off after its deals began to be answered: what was decided
        # stands, and the error is the last line.
        status, _, answer = self.server.request("POST", "/v1/decide/batch", '[{"discount": 5}, {"discount": 6}',
                                                {"Content-Type": "application/json"})
        lines = [json.loads(line) for line in answer.splitlines()]
        self.assertEqual((status, len(lines)), (200, 3))
        self.assertEqual([line.get("decision") for line in lines[:2]], ["incomplete", "incomplete"])
        self.assertEqual((lines[2]["index"], lines[2]["error"]["code"]), (2, "deal.invalid-json"))
        self.assertEqual(self.server.json("POST", "/v1/whatif", '{"deal": {}}')[0], 400)

    def test_nonsense_never_breaks_the_server(self):
        rng = random.Random(7)
        routes = ["/v1/decide", "/v1/whatif", "/v1/avoid", "/v1/missing", "/v1/why", "/v1/scenario", "/v1/since"]
        seeds = [b'{"deal": {"services": [{"name": "SIEM", "seats": 1e400}]}}', b'{"deal": {}, "facts": ["add service \\"', b"[" * 5000,
                 b'\xff\xfe{"a"', b'{"deal": {"today": "2026-02-30"}}', b'{"deal": {}, "approval": "deny", "x": [1, {"y": null}]}']
        for _ in range(300):
            body = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(0, 4)):
                if body:
                    body[rng.randrange(len(body))] = rng.randrange(256)
            status = self.server.request("POST", rng.choice(routes), bytes(body))[0]
            self.assertLess(status, 500, bytes(body))
        self.assertEqual(self.server.json("GET", "/healthz")[0], 200)


class LimitsTest(unittest.TestCase):
    def test_a_deal_over_the_limit_is_413_and_a_batch_line_over_it_is_answered_in_place(self):
        server = Server("--max-deal-bytes", "300")
        try:
            big = json.dumps({"customer": "x" * 400})
            status, _, answer = server.json("POST", "/v1/decide", big)
            self.assertEqual((status, answer["error"]["code"]), (413, "deal.limit"))
            body = b'{"discount": 5}\n' + big.encode() + b"\n{}\n"
            _, _, answer = server.request("POST", "/v1/decide/batch", body, {"Content-Type": "application/x-ndjson"})
            self.assertEqual(answer, run("eval", SAMPLES, "--deals", "-", "--max-deal-bytes", "300", stdin=body).stdout)
        finally:
            self.assertEqual(server.stop(), 0)


class ConnectionsTest(unittest.TestCase):
    def test_an_idle_client_is_disconnected_and_others_are_served(self):
        server = Server("--idle-timeout", "1")
        try:
            idle = socket.create_connection(("127.0.0.1", server.port))
            idle.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\n")  # and then nothing
            started = time.time()
            self.assertEqual(server.json("GET", "/healthz")[0], 200, "a slow client holds up no one")
            idle.settimeout(10)
            self.assertEqual(idle.recv(100), b"", "the idle connection is closed")
            self.assertLess(time.time() - started, 5)
            idle.close()
        finally:
            self.assertEqual(server.stop(), 0)

    def test_a_large_body_sent_with_expect_100_continue_does_not_wait(self):
        server = Server()
        try:
            body = read(os.path.join(DEALS, "stream.jsonl")) * 4000
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                      b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
            s.settimeout(0.5)
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 100 Continue"), "the server says to go on")
            s.close()
        finally:
            self.assertEqual(server.stop(), 0)

    def test_a_port_in_use_and_missing_rules_are_said_plainly(self):
        server = Server()
        try:
            r = run("serve", SAMPLES, "--port", str(server.port))
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"port {server.port} on 127.0.0.1 is in use by another program".encode(), r.stderr)
        finally:
            server.stop()
        r = run("serve")
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith(b"Error: give at least one rule file or folder"), r.stderr)
        self.assertNotIn(b"OVERVIEW", r.stderr)
        r = run("serve", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"USAGE: dealrules serve", r.stdout)

    def test_deal_contents_are_logged_only_with_log_deals(self):
        deal = b'{"customer": "Secret Customer Ltd", "discount": 5}'
        for flag, logged in (([], False), (["--log-deals"], True)):
            server = Server(*flag)
            server.request("POST", "/v1/decide", deal)
            server.request("POST", "/v1/decide/batch", deal, {"Content-Type": "application/x-ndjson"})
            server.stop()
            with open(server.stderr_path) as f:
                self.assertEqual("Secret Customer" in f.read(), logged, flag)


class TokensTest(unittest.TestCase):
    def test_tokens_guard_v1_routes_only(self):
        with tempfile.TemporaryDirectory() as folder:
            tokens = os.path.join(folder, "tokens")
            with open(tokens, "w") as f:
                f.write("# the CRM\ncrm-token\n\n")
            server = Server("--token-file", tokens)
            try:
                deal = read(os.path.join(DEALS, "approved.json"))
                status, headers, answer = server.json("POST", "/v1/decide", deal)
                self.assertEqual((status, answer["error"]["code"], headers["WWW-Authenticate"]), (401, "service.unauthorized", "Bearer"))
                self.assertEqual(server.json("POST", "/v1/decide", deal, {"Authorization": "Bearer crm-tokenX"})[0], 401)
                self.assertEqual(server.json("POST", "/v1/decide", deal, {"Authorization": "Bearer crm-token"})[0], 200)
                self.assertEqual(server.json("GET", "/healthz")[0], 200)
                self.assertEqual(server.request("GET", "/metrics")[0], 200)
                # The file is read again on SIGHUP.
                with open(tokens, "w") as f:
                    f.write("new-token\n")
                server.signal(signal.SIGHUP)
                self.assertTrue(wait_for(lambda: server.json("POST", "/v1/decide", deal, {"Authorization": "Bearer new-token"})[0] == 200))
                self.assertEqual(server.json("POST", "/v1/decide", deal, {"Authorization": "Bearer crm-token"})[0], 401)
            finally:
                self.assertEqual(server.stop(), 0)
        # Without a token file, no token is needed.
        server = Server()
        try:
            self.assertEqual(server.json("GET", "/v1/rules/status")[0], 200)
        finally:
            server.stop()

    def test_a_token_file_without_tokens_stops_the_start(self):
        with tempfile.NamedTemporaryFile("w", suffix=".tokens") as f:
            f.write("# none yet\n")
            f.flush()
            r = run("serve", SAMPLES, "--port", "0", "--token-file", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"holds no token", r.stderr)


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.rules = os.path.join(self.folder, "northwind")
        shutil.copytree(SAMPLES, self.rules)
        self.deal = read(os.path.join(DEALS, "needs-approval.json"))

    def tearDown(self):
        shutil.rmtree(self.folder)

    def edit(self, old, new):
        path = os.path.join(self.rules, "pricing.rules")
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new))

    def required(self, server):
        status, headers, answer = server.json("POST", "/v1/decide", self.deal)
        return headers["DealRules-Version"], answer["required"]

    def test_a_changed_file_is_served_and_a_broken_one_is_not(self):
        server = Server("--watch-interval", "0.2", rules=self.rules)
        try:
            first, required = self.required(server)
            self.assertIn("finance_approval", required)
            self.edit("discount > 20%", "discount > 30%")
            self.assertTrue(wait_for(lambda: self.required(server)[0] != first))
            second, required = self.required(server)
            self.assertNotIn("finance_approval", required)
            self.assertEqual(server.json("GET", "/v1/rules/status")[2]["last_reload"]["cause"], "a file changed")
            self.edit("discount > 30%", "discount > 30% and and")
            self.assertTrue(wait_for(lambda: not server.json("GET", "/v1/rules/status")[2]["last_reload"]["succeeded"]))
            status = server.json("GET", "/v1/rules/status")[2]
            self.assertEqual(status["version"], second)
            self.assertEqual(status["last_reload"]["diagnostics"][0]["file"], "pricing.rules")
            self.assertEqual(self.required(server)[0], second, "the old rules keep answering")
            self.assertIn('dealrules_reloads_total{result="failed"}', server.request("GET", "/metrics")[2].decode())
        finally:
            self.assertEqual(server.stop(), 0)

    def test_sighup_reloads(self):
        server = Server("--watch-interval", "0", rules=self.rules)
        try:
            first, _ = self.required(server)
            self.edit("discount > 20%", "discount > 25%")
            time.sleep(0.5)
            self.assertEqual(self.required(server)[0], first, "no reload without SIGHUP when not watching")
            server.signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: self.required(server)[0] != first))
        finally:
            self.assertEqual(server.stop(), 0)


class ShutdownAndLogTest(unittest.TestCase):
    def test_sigterm_answers_requests_in_flight(self):
        server = Server()
        try:
            lines = read(os.path.join(DEALS, "stream.jsonl")).split(b"\n")
            sockets = []
            for _ in range(4):
                s = socket.create_connection(("127.0.0.1", server.port))
                s.sendall(b"POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = lines[0] + b"\n"
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sockets.append(s)
            time.sleep(0.3)
            server.signal(signal.SIGTERM)
            time.sleep(0.3)
            for s in sockets:
                chunk = lines[1] + b"\n"
                s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunk), chunk))
            for s in sockets:
                answer = receive_all(s)
                self.assertIn(b"200 OK", answer)
                self.assertIn(b'"index":1', answer, "the request in flight is answered whole")
            self.assertEqual(server.process.wait(timeout=20), 0)
        finally:
            server.stop()

    def test_the_decision_log_has_whole_lines_after_kill_9(self):
        with tempfile.TemporaryDirectory() as folder:
            log = os.path.join(folder, "decisions.jsonl")
            server = Server("--decision-log", log)
            stream = read(os.path.join(DEALS, "stream.jsonl"))
            stop = threading.Event()

            def load():
                while not stop.is_set():
                    try:
                        server.request("POST", "/v1/decide/batch", stream, {"Content-Type": "application/x-ndjson"}, timeout=5)
                    except (OSError, http.client.HTTPException, ValueError):
                        return  # the server was killed mid-answer
            threads = [threading.Thread(target=load) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(2.5)
            server.signal(signal.SIGKILL)
            stop.set()
            for t in threads:
                t.join()
            server.process.wait()
            server.process.stdout.close()
            server.stderr.close()
            with open(log, "rb") as f:
                data = f.read()
            self.assertTrue(data.endswith(b"\n"), "the last line is whole")
            entries = [json.loads(line) for line in data.split(b"\n") if line]
            self.assertGreater(len(entries), 0, "a second's lines were written")
            for e in entries:
                self.assertEqual(set(e), {"time", "index", "id", "version", "decision", "required"})
                self.assertEqual(e["version"], server.version)
            # A graceful stop writes what has gathered.
            server = Server("--decision-log", log)
            server.request("POST", "/v1/decide", read(os.path.join(DEALS, "blocked.json")))
            self.assertEqual(server.stop(), 0)
            with open(log, "rb") as f:
                self.assertEqual(json.loads(f.read().split(b"\n")[-2])["decision"], "blocked")

    def test_clients_that_leave_mid_batch_leave_nothing_behind(self):
        server = Server()
        try:
            line = read(os.path.join(DEALS, "stream.jsonl")).split(b"\n")[0] + b"\n"

            def leave(count):
                for _ in range(count):
                    s = socket.create_connection(("127.0.0.1", server.port))
                    s.sendall(b"POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                              b"Content-Length: 100000\r\n\r\n" + line * 20)
                    s.close()
            leave(200)  # warm up: the allocator's arenas, the first connections
            time.sleep(1)
            before = server.rss_kib()
            leave(1000)
            self.assertTrue(wait_for(lambda: server.rss_kib() <= before * 1.10, seconds=15),
                            f"RSS {server.rss_kib()} KiB after 1,000 clients left, {before} KiB before")
            self.assertEqual(server.json("GET", "/healthz")[0], 200)
            self.assertEqual(server.json("POST", "/v1/decide", read(os.path.join(DEALS, "blocked.json")))[0], 200)
        finally:
            self.assertEqual(server.stop(), 0)


def is_json(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def receive_all(s):
    s.settimeout(20)
    data = b""
    while True:
        try:
            part = s.recv(65536)
        except socket.timeout:
            break
        if not part:
            break
        data += part
        if data.endswith(b"0\r\n\r\n"):
            break
    s.close()
    return data


def generate_deals(server, count):
    """Deals made from the served deal schema: random fields, mostly good values, some bad."""
    schema = server.json("GET", "/v1/deal-schema")[2]
    rng = random.Random(2026)
    catalog = schema.get("$defs", {})

    def value(s, depth=0):
        if "anyOf" in s:
            return None if rng.random() < 0.05 else value(s["anyOf"][0], depth)
        if "$ref" in s:
            return item(catalog[s["$ref"].split("/")[-1]], depth)
        if "enum" in s:
            return rng.choice(s["enum"] + ["Mars"] if rng.random() < 0.03 else s["enum"])
        kind = s.get("type")
        if kind == "array":
            return [value(s["items"], depth + 1) for _ in range(rng.randint(0, 3))] if depth < 2 else []
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "number":
            return rng.choice([0, 1, 5, 50, 300, 12.5, -3, 10**20])
        if kind == ["number", "string"]:
            return rng.choice([0, 15, 20, 25, 30, 12000, 250000, "25%", "$1,200", "lots"])
        if s.get("format") == "date":
            return rng.choice(["2026-11-30", "2026-12-01", "2027-01-04", "2027-03-01", "2026-02-30"])
        if "examples" in s:
            return rng.choice(s["examples"] + ["3 days", "2 years", "forever"])
        return rng.choice(["Adatum", "Contoso", "city of Springfield", ""])

    def item(s, depth):
        out = {"name": rng.choice(s["properties"]["name"].get("examples", ["X"]) + ["Dark Web Monitoring"])}
        for key, sub in s["properties"].items():
            if key != "name" and rng.random() < 0.2:
                out[key] = value(sub, depth + 1)
        return out

    lines = []
    for i in range(count):
        deal = {"id": f"G-{i}"}
        for key, sub in schema["properties"].items():
            if key not in ("id", "today") and rng.random() < 0.7:
                deal[key] = value(sub)
        if "services" in deal and isinstance(deal["services"], list):
            names = set()
            deal["services"] = [s for s in deal["services"] if isinstance(s, dict) and not (s["name"] in names or names.add(s["name"]))]
        if rng.random() < 0.02:
            lines.append(json.dumps(deal)[:-3])
        else:
            lines.append(json.dumps(deal))
    return ("\n".join(lines) + "\n").encode()


if __name__ == "__main__":
    unittest.main(verbosity=2)
