#!/usr/bin/python3
"""End-to-end: `glassbox bench -d N` runs pp and tg after N cached tokens (the JSON says so, and the context
holds depth + the longer of pp and tg), and rejects a negative depth with exit status 2.

usage: bench_depth_cli_test.py GLASSBOX_BIN WORK_DIR
"""
import json
import os
import subprocess
import sys


def main():
    glassbox, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "tiny-q8_0.gguf")
    subprocess.run([glassbox, "synth", "--shape", "tiny", "--type", "q8_0", "-o", model, "--threads", "1"],
                   check=True, capture_output=True)
    # tiny's context_length is 512: depth 500 + tg 20 needs the bench's own n_ctx, not the trained one.
    out = subprocess.run([glassbox, "bench", "-m", model, "-p", "8", "-n", "20", "-d", "500", "-r", "1", "-t", "1",
                          "--json"], check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    assert r["depth"] == 500, r
    assert r["pp_tokens"] == 8 and r["pp_tokens_per_s"] > 0, r
    assert r["tg_tokens"] == 20 and r["tg_tokens_per_s"] > 0, r
    # The machine facts printed beside the rates (issue #3): bandwidth, ceiling, table, core clock.
    assert r["read_bandwidth_gb_s"] > 0 and r["tg_ceiling_tokens_per_s"] > 0, r
    assert r["kernel_table"] in ("avx512", "avx2", "reference"), r
    assert 0.2 < r["core_ghz"] < 10, r
    bad = subprocess.run([glassbox, "bench", "-m", model, "-d", "-1"], capture_output=True, text=True)
    assert bad.returncode == 2, (bad.returncode, bad.stderr)
    assert "-d >= 0" in bad.stderr, bad.stderr
    print("ok")


if __name__ == "__main__":
    main()
