#!/usr/bin/python3
"""End-to-end: `glassbox logits` on every fixture prompt reproduces the reference files' tokens, format and
logits (within 0.05 of llama.cpp's or the float64 reference at the full-logit positions), and its greedy
continuation agrees with llama.cpp's for the float models.

usage: logits_cli_test.py GLASSBOX_BIN SHARED_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys

TOL = 0.05


def full_rows(ref):
    positions = ref["full_logits_positions"]
    rows = ref["full_logits"]
    if len(rows) != len(positions):
        uniq = []
        for p in positions:
            if p not in uniq:
                uniq.append(p)
        positions = uniq
    return dict(zip(positions, rows))


def max_diff(a, b):
    ra, rb = full_rows(a), full_rows(b)
    worst = 0.0
    for pos, row in ra.items():
        other = rb[pos]
        worst = max(worst, max(abs(x - y) for x, y in zip(row, other)))
    return worst


def main():
    binary, shared, work = sys.argv[1:4]
    if not os.path.isdir(os.path.join(shared, "fixtures")):
        print("SKIP: ../shared/fixtures absent; logits CLI test needs the reference data")
        return 0
    cases = []
    for name in sorted(os.listdir(os.path.join(shared, "fixtures", "golden"))):
        cases.append(("fixtures", "models", name))
    for name in sorted(os.listdir(os.path.join(shared, "reference", "golden"))):
        cases.append(("reference", "", name))
    os.makedirs(work, exist_ok=True)
    failures = 0
    passed = 0
    for folder, sub, name in cases:
        model_stem, prompt, _ = name.rsplit(".", 2)
        model = os.path.join(shared, folder, sub, model_stem + ".gguf")
        prompt_file = os.path.join(shared, "fixtures", "prompts", prompt + ".txt")
        out = os.path.join(work, name)
        r = subprocess.run([binary, "logits", "-m", model, "--prompt-file", prompt_file, "--json", out, "-t", "2"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {name}: exit {r.returncode}: {r.stderr.strip()}")
            failures += 1
            continue
        ours = json.load(open(out))
        golden = json.load(open(os.path.join(shared, folder, "golden", name)))
        exact = json.load(open(os.path.join(shared, folder, "golden_exact", name)))
        problems = []
        for key in ("model", "prompt", "n_vocab", "tokens", "full_logits_positions"):
            if ours.get(key) != golden.get(key):
                problems.append(f"{key} differs: {str(ours.get(key))[:80]} vs {str(golden.get(key))[:80]}")
        if len(ours["full_logits"]) != len(golden["full_logits"]):
            problems.append("full_logits count differs from the golden file's")
        if len(ours["top"]) != len(golden["top"]) or any(len(t) != 10 for t in ours["top"]):
            problems.append("top has the wrong shape")
        if not problems:
            d_cpp, d_exact = max_diff(golden, ours), max_diff(exact, ours)
            if min(d_cpp, d_exact) > TOL:
                problems.append(f"logits differ: {d_cpp:.4f} from llama.cpp, {d_exact:.4f} from float64")
            note = f"max diff {d_cpp:.4f} (llama.cpp) / {d_exact:.4f} (float64)"
            if "f16" in model_stem and ours.get("greedy", [])[:8] != golden["greedy"][:8]:
                problems.append(f"greedy continuation differs: {ours.get('greedy')[:8]} vs {golden['greedy'][:8]}")
        if problems:
            failures += 1
            print(f"FAIL {name}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"ok   {name}: {note}")
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
