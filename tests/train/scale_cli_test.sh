#!/usr/bin/env bash
# End-to-end: glassbox scale on a tiny sweep — plan validation errors, run (resumable, held-out
# later), fit / predict / report / plot (the SVGs parsed as XML), bad runs.jsonl lines, and the
# reference sweep's fit when ../shared is present.
# usage: scale_cli_test.sh GLASSBOX_BIN SHARED_DIR WORK_DIR
set -u
bin=$1 shared=$2 work=$3
py=/usr/bin/python3
rm -rf "$work" && mkdir -p "$work/text"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
SECONDS=0

animals=(rabbit fox hen squirrel duck owl mole toad) places=(wood garden meadow pond barn hill)
for d in 0 1 2 3 4 5 6 7 8 9; do
  for i in $(seq 1 150); do
    a=${animals[$(((i * 7 + d) % 8))]} p=${places[$(((i * 5 + d * 3) % 6))]}
    echo "Once upon a time the little $a went to the $p, and the $a said hello to the ${animals[$((i % 8))]} $i times."
  done > "$work/text/part-$d.txt"
done
"$bin" tokenizer train --input "$work/text" --vocab-size 320 --out "$work/tok" >/dev/null 2>&1 || bad "tokenizer train"
"$bin" data prepare --input "$work/text" --tokenizer "$work/tok/tokenizer.json" --out "$work/shards" \
  --val-frac 0.2 >/dev/null 2>&1 || bad "data prepare"

mkdir -p "$work/sweep"
plan=$work/sweep/plan.json
cat > "$plan" <<'JSON'
{"name": "tiny", "data": "../shards",
 "defaults": {"ctx": 32, "batch": 4, "lr": 0.01, "warmup_frac": 0.05, "min_lr_frac": 0.1,
              "weight_decay": 0.1, "clip": 1.0, "seed": 1, "val_batches": 4},
 "shapes": {"d16L1": {"d_model": 16, "layers": 1, "heads": 2, "kv_heads": 1, "d_ff": 48},
            "d32L1": {"d_model": 32, "layers": 1, "heads": 2, "kv_heads": 2, "d_ff": 96},
            "d32L2": {"d_model": 32, "layers": 2, "heads": 2, "kv_heads": 2, "d_ff": 96}},
 "runs": [{"shape": "d16L1", "flops": 1e8}, {"shape": "d32L1", "flops": 1e8},
          {"shape": "d32L2", "flops": 1e8}, {"shape": "d16L1", "flops": 3e8},
          {"shape": "d32L1", "flops": 3e8}, {"shape": "d32L2", "flops": 3e8, "lr": 0.008}],
 "held_out": [{"shape": "d32L2", "flops": 6e8}]}
JSON

# Plan validation: each impossible plan is refused before anything trains, naming the entry.
check_plan() {  # name, python edit of the plan dict, expected message
  rm -rf "$work/badplan" && mkdir -p "$work/badplan"
  $py -c "import json,sys; p=json.load(open('$plan')); p['data']='$work/shards'; $2; json.dump(p, open('$work/badplan/plan.json','w'))"
  out=$("$bin" scale run "$work/badplan/plan.json" 2>&1); rc=$?
  [[ $rc -eq 1 && $out == *"$3"* && ! -e $work/badplan/runs ]] && ok "plan: $1" || bad "plan $1: rc=$rc $out"
}
check_plan "unknown shape" "p['runs'][0]['shape']='d99L9'" "runs[0]: unknown shape 'd99L9'"
check_plan "heads do not divide d_model" "p['shapes']['d16L1']['heads']=3" "d_model 16 is not divisible by heads 3"
check_plan "kv_heads do not divide heads" "p['shapes']['d32L2']['kv_heads']=3" "heads 2 is not divisible by kv_heads 3"
check_plan "odd head_dim" "p['shapes']['d32L1'].update(d_model=36, heads=4, kv_heads=4)" "head_dim 9 (d_model / heads) is odd"
check_plan "non-positive flops" "p['runs'][1]['flops']=0" "runs[1]: flops 0 must be positive"
check_plan "budget below one step" "p['held_out'][0]['flops']=1e6" "less than one step"
check_plan "duplicate run" "p['runs'].append({'shape':'d16L1','flops':1e8})" "runs[6] (d16L1-C1e08): duplicate run"
check_plan "missing data folder" "p['data']='nowhere'" "does not exist"

# A run that fails (lr 1e9 diverges) stops the sweep with an error naming the run and its log.
mkdir -p "$work/diverge"
$py -c "import json; p=json.load(open('$plan')); p['data']='$work/shards'; p['defaults']['lr']=1e9; json.dump(p, open('$work/diverge/plan.json','w'))"
out=$("$bin" scale run "$work/diverge/plan.json" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"run 'd16L1-C1e08' failed (exit 1)"*"diverged"*"d16L1-C1e08.err"* && ! -e $work/diverge/runs.jsonl ]] && ok "a failing run stops the sweep with a clear error" || bad "diverging run: rc=$rc $out"

"$bin" scale run "$plan" --threads 1 2>"$work/run1.log"; rc=$?
n=$(wc -l < "$work/sweep/runs.jsonl" 2>/dev/null || echo 0)
[[ $rc -eq 0 && $n -eq 6 ]] && ok "scale run trains the 6 runs (held-out left out)" || { bad "scale run rc=$rc lines=$n"; tail -5 "$work/run1.log"; }
[[ -f $work/sweep/runs/d32L2-C3e08/model.gguf && -s $work/sweep/runs/d32L2-C3e08/log.jsonl ]] && ok "runs/d32L2-C3e08 holds model.gguf and log.jsonl" || bad "run folder: $(ls "$work/sweep/runs")"
$py - "$work/sweep/runs.jsonl" <<'PY' && ok "runs.jsonl lines have every field, C ≈ 6·params·tokens, lr override kept" || bad "runs.jsonl content"
import json, sys
keys = ["name","shape","d_model","layers","heads","kv_heads","d_ff","flops","held_out","params","tokens","steps","batch","ctx","lr","val_loss","train_loss","seconds","tokens_per_s"]
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    assert list(r) == keys, list(r)
    assert not r["held_out"]
    assert r["tokens"] == r["steps"] * r["batch"] * r["ctx"]
    assert 6 * r["params"] * r["tokens"] <= r["flops"] < 6 * r["params"] * (r["tokens"] + r["batch"] * r["ctx"])
lr = {r["name"]: r["lr"] for r in rows}
assert lr["d32L2-C3e08"] == 0.008 and lr["d32L1-C3e08"] == 0.01, lr
PY
"$bin" scale run "$plan" 2>"$work/run2.log"; rc=$?
[[ $rc -eq 0 && $(wc -l < "$work/sweep/runs.jsonl") -eq 6 ]] && grep -q "0 trained, 6 already recorded, 1 held-out" "$work/run2.log" && ok "rerun is a no-op (resumable)" || { bad "rerun: rc=$rc"; cat "$work/run2.log"; }

# Predict the held-out run before running it, then run it and compare.
"$bin" scale report "$work/sweep" --bootstrap 20 >"$work/report0.txt" 2>&1 || bad "report before held-out rc=$?"
grep -q "d32L2-C6e08: predicted" "$work/report0.txt" && grep -q "not run" "$work/sweep/report.md" && ok "report predicts the held-out run before it runs" || { bad "report0"; cat "$work/report0.txt"; }
"$bin" scale run "$plan" --held-out --threads 1 2>"$work/run3.log"; rc=$?
[[ $rc -eq 0 && $(wc -l < "$work/sweep/runs.jsonl") -eq 7 ]] && grep -q '"held_out":true' "$work/sweep/runs.jsonl" && ok "--held-out trains the held-out run" || { bad "held-out run rc=$rc"; tail -3 "$work/run3.log"; }
"$bin" scale report "$work/sweep" --bootstrap 20 >"$work/report.txt" 2>&1 || bad "report rc=$?"
$py - "$work/sweep/fit.json" <<'PY' && ok "fit.json: finite parameters with intervals, held-out measured with its error" || { bad "fit.json"; cat "$work/report.txt"; }
import json, math, sys
f = json.load(open(sys.argv[1]))
assert f["runs"] == 6, f["runs"]
# Six runs of 3-47 steps pin the law down poorly (A may overflow to null): check the fit's own
# coordinates (log A, log B, log E, alpha, beta) are finite, and that intervals are present.
for k in ["a", "b", "e"]:
    assert math.isfinite(f["log_params"][k]), (k, f["log_params"])
for k in ["alpha", "beta", "a", "b"]:
    v = f["params"][k]
    assert math.isfinite(v["value"]) and v["p05"] is not None and v["p95"] is not None, (k, v)
h = f["held_out"][0]
assert h["name"] == "d32L2-C6e08" and h["measured"] is not None
assert abs(h["error_nats"] - (h["measured"] - h["predicted"])) < 1e-9
print("held-out: predicted %.4f measured %.4f error %+.2f%%" % (h["predicted"], h["measured"], h["error_pct"]))
PY
grep -q "## Held-out predictions" "$work/sweep/report.md" && ok "report.md written" || bad "report.md"

"$bin" scale plot "$work/sweep" --bootstrap 10 >"$work/plot.txt" 2>&1 || bad "plot rc=$?"
$py - "$work/sweep/plots" <<'PY' && ok "4 SVG plots parse as XML with axes, polylines and legends" || { bad "svg"; cat "$work/plot.txt"; }
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
for name in ["loss_curves", "isoflop", "contours", "predictions"]:
    root = ET.parse(f"{sys.argv[1]}/{name}.svg").getroot()
    assert root.tag == ns + "svg", root.tag
    texts = [t.text or "" for t in root.iter(ns + "text")]
    assert len(texts) > 8, (name, texts)
    assert len(list(root.iter(ns + "polyline"))) >= 1, name
    assert not any("nan" in (t or "").lower() for t in texts), name
PY

"$bin" scale fit "$work/sweep/runs.jsonl" --exclude-held-out --bootstrap 10 --budget 1e9,1e10 --json >"$work/fit.json" 2>"$work/fit.log"; rc=$?
$py -c "
import json; f = json.load(open('$work/fit.json'))
assert f['runs'] == 6 and len(f['compute_optimal']) == 4, f['compute_optimal']
c = [x for x in f['compute_optimal'] if x['flops'] == 1e10][0]
assert c['valid'] is False or abs(6 * c['n'] * c['d'] / 1e10 - 1) < 1e-9
" && ok "fit --json --budget" || { bad "fit --json rc=$rc"; cat "$work/fit.log"; }
out=$("$bin" scale fit "$work/sweep/runs.jsonl" --bootstrap 0 --budget 1e10 2>&1)
[[ $out == *"runs"* && $out == *"C = 1e+10"* ]] && ok "fit prints the law and N*, D* for --budget" || bad "fit text: $out"
out=$("$bin" scale predict "$work/sweep/runs.jsonl" --exclude-held-out --shape d32L2 --flops 6e8 --bootstrap 10 2>&1); rc=$?
[[ $rc -eq 0 && $out == *"d32L2-C6e08"*"predicted loss"*"measured"*"error"* ]] && ok "predict --shape --flops: $out" || bad "predict: rc=$rc $out"
out=$("$bin" scale predict "$work/sweep/runs.jsonl" --params 1e5 --tokens 1e6 --bootstrap 0 2>&1); rc=$?
[[ $rc -eq 0 && $out == *"predicted loss"* ]] && ok "predict --params --tokens" || bad "predict N D: rc=$rc $out"

# Bad runs.jsonl lines are errors naming the line.
{ head -2 "$work/sweep/runs.jsonl"; echo '{"name": "x", "flops": 1e8, "params": 100}'; } > "$work/bad.jsonl"
out=$("$bin" scale fit "$work/bad.jsonl" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"bad.jsonl:3: 'tokens' is missing"* ]] && ok "bad runs.jsonl line is a clear error" || bad "bad line: rc=$rc $out"
printf '\x00\x01garbage\n' > "$work/binary.jsonl"
out=$("$bin" scale fit "$work/binary.jsonl" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"binary.jsonl:1:"* ]] && ok "binary runs.jsonl is a clear error" || bad "binary: rc=$rc $out"

ref=$shared/reference/sweep.json
if [[ -f $ref ]]; then
  out=$("$bin" scale fit --reference-sweep "$ref" --bootstrap 0 --budget 1e15 2>&1); rc=$?
  [[ $rc -eq 0 && $out == *"15 runs"* ]] && ok "fit --reference-sweep: $(echo "$out" | head -1)" || bad "reference sweep: rc=$rc $out"
  # Fitted on the 13 runs up to 1e15, the law predicts the two 3e15 runs within 1% (measured: -0.52%
  # and +0.31%).
  out=$("$bin" scale fit --reference-sweep "$ref" --bootstrap 0 --hold-out-from 3e15 --json 2>&1); rc=$?
  echo "$out" | $py -c "
import json, sys
f = json.load(sys.stdin)
assert f['runs'] == 13 and len(f['held_out']) == 2, f
for h in f['held_out']:
    assert abs(h['error_pct']) < 1.0, h
    print(h['name'], round(h['error_pct'], 2), end='%  ')
" >"$work/ref.txt" 2>&1 && ok "reference sweep: 3e15 runs predicted from the rest: $(cat "$work/ref.txt")" || bad "reference hold-out: rc=$rc $(cat "$work/ref.txt")"
else
  echo "SKIP ../shared absent: no reference-sweep fit"
fi

echo "${SECONDS}s; $pass passed, $fail failed"
[[ $fail -eq 0 ]]
