#!/usr/bin/python3
"""Serving load test: N concurrent streaming /v1/messages requests against a running `glassbox serve`.

For each concurrency level it starts that many client threads at once; each sends --requests streaming
requests one after another (a different prompt per thread and request, so prefix reuse does not flatter the
numbers). Reported per level: aggregate output tokens/s (all streams' output tokens over the level's wall
time), per-stream tokens/s, and time to first token (request sent -> first text delta) p50 / p95.

    bench/load/load_test.py --port 8080 --levels 1,4,16 --max-tokens 128
Standard library only (threads + http.client); prints a Markdown table, or JSON with --json.
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time

SUBJECTS = ["a lost kitten", "a brave knight", "a tiny robot", "the old lighthouse", "a clever fox",
            "two friends at sea", "a dragon who could not fly", "the moon and the sun", "a girl named Lily",
            "a magic garden", "the last train home", "a bear who loved honey", "a boy and his kite",
            "the snowman's wish", "a princess in the forest", "the talking tree", "a pirate's map",
            "the quiet library", "a rabbit's adventure", "a storm on the farm"]


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def one_request(host, port, prompt, max_tokens, timeout):
    """Sends one streaming request; returns (ttft_s, output_tokens, total_s) or raises."""
    body = json.dumps({
        "model": "glassbox", "max_tokens": max_tokens, "stream": True, "temperature": 0.8,
        "messages": [{"role": "user", "content": prompt}],
    })
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    t0 = time.monotonic()
    conn.request("POST", "/v1/messages", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:200]!r}")
    ttft = None
    output_tokens = 0
    for raw in resp:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data: "):
            continue
        event = json.loads(line[6:])
        kind = event.get("type")
        if kind == "content_block_delta" and ttft is None:
            ttft = time.monotonic() - t0
        elif kind == "message_delta":
            output_tokens = event.get("usage", {}).get("output_tokens", 0)
        elif kind == "error":
            raise RuntimeError(f"stream error: {event}")
        elif kind == "message_stop":
            break
    total = time.monotonic() - t0
    conn.close()
    return (ttft if ttft is not None else total), output_tokens, total


def run_level(args, concurrency):
    results, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency)

    def client(idx):
        barrier.wait()
        for r in range(args.requests):
            subject = SUBJECTS[(idx * args.requests + r) % len(SUBJECTS)]
            prompt = f"Tell me a story about {subject}. (reader {idx}, part {r})"
            try:
                res = one_request(args.host, args.port, prompt, args.max_tokens, args.timeout)
                with lock:
                    results.append(res)
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                with lock:
                    errors.append(str(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    ttfts = [r[0] for r in results]
    tokens = sum(r[1] for r in results)
    per_stream = [r[1] / max(r[2] - r[0], 1e-9) for r in results if r[1] > 1]
    return {
        "concurrency": concurrency, "requests": len(results), "errors": len(errors),
        "error_sample": errors[:3], "wall_s": wall, "output_tokens": tokens,
        "aggregate_tok_s": tokens / wall if wall > 0 else 0.0,
        "per_stream_tok_s": statistics.median(per_stream) if per_stream else 0.0,
        "ttft_p50_s": percentile(ttfts, 0.5), "ttft_p95_s": percentile(ttfts, 0.95),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--levels", default="1,4,16", help="comma-separated concurrency levels")
    ap.add_argument("--requests", type=int, default=2, help="requests per stream (sequential)")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not args.json:
        print("| streams | requests | output tokens | wall s | aggregate tok/s | per-stream tok/s | TTFT p50 s | TTFT p95 s | errors |")
        print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    failed = False
    for c in levels:
        r = run_level(args, c)
        failed = failed or r["errors"] > 0
        if args.json:
            print(json.dumps(r))
        else:
            print(f"| {c} | {r['requests']} | {r['output_tokens']} | {r['wall_s']:.1f} | {r['aggregate_tok_s']:.1f} | "
                  f"{r['per_stream_tok_s']:.1f} | {r['ttft_p50_s']:.3f} | {r['ttft_p95_s']:.3f} | {r['errors']} |")
        sys.stdout.flush()
        if r["errors"]:
            print(f"errors at {c} streams: {r['error_sample']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
