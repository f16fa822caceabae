#!/usr/bin/env python3
"""Two `glassbox serve` replicas share one PostgreSQL database: one key's quota holds across both, the ledger has
every request, bad keys get 401 in each API's shape, and a server killed with SIGKILL mid-request leaves its
ledger rows ("incomplete").

usage: keys_replicas_test.py GLASSBOX_BIN SHARED_DIR WORK_DIR PG_TEMP_SH

Starts its own PostgreSQL server (pg_temp.sh, a unix socket in a temp dir) and always stops it. Prints "SKIP: ..."
and exits 0 only when the PostgreSQL binaries are missing.
"""
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

BIN, SHARED, WORK, PG_TEMP = sys.argv[1:5]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def glassbox(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def post(port, path, body, headers=None, read_all=True):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", path, json.dumps(body), {"content-type": "application/json", **(headers or {})})
    r = c.getresponse()
    data = r.read() if read_all else b""
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


class Replica:
    def __init__(self, model, db, name):
        self.log = open(os.path.join(WORK, name + ".log"), "w+")
        self.proc = subprocess.Popen([BIN, "serve", "-m", model, "--port", "0", "--db", db, "-t", "1"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        for _ in range(300):
            self.log.seek(0)
            m = re.search(r"on http://127\.0\.0\.1:(\d+)", self.log.read())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if self.port is None:
            self.log.seek(0)
            raise RuntimeError(name + " did not start: " + self.log.read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


def usage(db, key):
    r = glassbox("usage", "--db", db, "--key", key, "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["rows"]
    return rows[0] if rows else {"requests": 0, "refused": 0, "incomplete": 0, "output_tokens": 0}


def run(db, model):
    r = glassbox("keys", "create", "shared", "--rpm", "6", "--db", db)
    check(r.returncode == 0 and r.stdout.startswith("gb-"), "keys create prints the secret: " + r.stderr.strip())
    secret = r.stdout.strip()
    a, b = Replica(model, db, "replica-a"), Replica(model, db, "replica-b")
    replicas = [a, b]
    try:
        msg = {"model": "glassbox", "max_tokens": 4, "messages": [{"role": "user", "content": "Once upon a time"}]}

        # Bad keys: 401 in Anthropic's shape and in OpenAI's, and the server keeps serving.
        s, _, body = post(a.port, "/v1/messages", msg, {"x-api-key": "gb-not-a-key"})
        check(s == 401 and json.loads(body)["error"]["type"] == "authentication_error",
              f"invalid x-api-key -> 401 authentication_error ({s} {body[:100]!r})")
        s, _, body = post(b.port, "/v1/chat/completions", {"model": "x", "messages": [{"role": "user", "content": "hi"}]},
                          {"Authorization": "Bearer wrong"})
        err = json.loads(body).get("error", {})
        check(s == 401 and err.get("code") == "invalid_api_key" and "message" in err,
              f"invalid Bearer on an OpenAI route -> 401 in OpenAI's shape ({s} {body[:100]!r})")
        s, _, _ = post(a.port, "/v1/messages", msg)
        check(s == 401, f"no key -> 401 ({s})")
        check(get(a.port, "/health")[0] == 200 and get(b.port, "/health")[0] == 200, "both replicas still serve")

        # Ten concurrent requests, alternating replicas, against a quota of 6 per minute.
        def one(i):
            port = replicas[i % 2].port
            return post(port, "/v1/messages", msg, {"x-api-key": secret})
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            results = list(pool.map(one, range(10)))
        statuses = sorted(s for s, _, _ in results)
        accepted = statuses.count(200)
        check(accepted == 6 and statuses.count(429) == 4, f"quota 6 across two replicas: {statuses}")
        limited = [h for s, h, _ in results if s == 429]
        check(all(int(h.get("retry-after", "0")) >= 1 for h in limited), "429s carry retry-after")
        by_replica = [sum(1 for i, (s, _, _) in enumerate(results) if s == 200 and i % 2 == k) for k in (0, 1)]
        print(f"     accepted per replica: {by_replica}")
        u = usage(db, "shared")
        check(u["requests"] == 10 and u["refused"] == 4 and u["incomplete"] == 0 and u["output_tokens"] > 0,
              f"the ledger has every request: {u}")
        out_tokens = sum(json.loads(body)["usage"]["output_tokens"] for s, _, body in results if s == 200)
        check(u["output_tokens"] == out_tokens, f"ledger output tokens {u['output_tokens']} == responses' {out_tokens}")

        # kill -9 mid-request: eight streaming requests on replica A (one generating, seven queued behind it); once
        # each has its response headers (so each was admitted and its row written), SIGKILL.
        r = glassbox("keys", "create", "victim", "--db", db)
        victim = r.stdout.strip()
        long_msg = {"model": "glassbox", "max_tokens": 200, "stream": True,
                    "messages": [{"role": "user", "content": "Tell me a long story"}]}

        def streaming(_):
            try:
                c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
                c.request("POST", "/v1/messages", json.dumps(long_msg),
                          {"content-type": "application/json", "x-api-key": victim})
                resp = c.getresponse()
                first = resp.read1(64) if resp.status == 200 else b""
                return resp.status, first, resp
            except Exception as e:  # the kill cuts these
                return 0, repr(e).encode(), None
        pool = concurrent.futures.ThreadPoolExecutor(8)
        futures = [pool.submit(streaming, i) for i in range(8)]
        concurrent.futures.wait(futures, timeout=60)
        a.stop(signal.SIGKILL)
        pool.shutdown(wait=True)
        started = [f.result()[0] for f in futures]
        check(started == [200] * 8, f"eight streams started before the kill ({started})")
        u = usage(db, "victim")
        check(u["requests"] == 8 and u["incomplete"] >= 1,
              f"after SIGKILL mid-request the ledger still has all 8 rows, unfinished ones 'incomplete': {u}")
        check(get(b.port, "/health")[0] == 200, "the other replica keeps serving")
    finally:
        for rep in replicas:
            rep.stop()


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    model = os.path.join(SHARED, "reference", "storyteller-16m-q8_0.gguf")
    if not os.path.exists(model):
        model = os.path.join(WORK, "tiny.gguf")
        r = glassbox("synth", "--shape", "tiny", "--type", "q8_0", "-o", model)
        assert r.returncode == 0, r.stderr
    state = os.path.join(WORK, "pg")
    r = subprocess.run([PG_TEMP, "start", state], capture_output=True, text=True, timeout=120)
    try:
        if os.path.exists(os.path.join(state, "skip")):
            print("SKIP: " + open(os.path.join(state, "skip")).read().strip())
            return 0
        if r.returncode != 0:
            print("FAIL: PostgreSQL did not start:\n" + r.stdout + r.stderr)
            return 1
        run(open(os.path.join(state, "url")).read().strip(), model)
    finally:
        subprocess.run([PG_TEMP, "stop", state], timeout=120)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
