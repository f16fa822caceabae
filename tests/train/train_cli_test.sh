#!/usr/bin/env bash
# End-to-end: tokenizer train → data prepare → train (loss falls, --json, exact resume after an
# interruption, thread-count determinism, config mismatch) → `glassbox run` on the exported model.
# usage: train_cli_test.sh GLASSBOX_BIN SHARED_DIR WORK_DIR
set -u
bin=$1 shared=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# Text: ~60 KB of the corpus's first book when present, else generated sentences.
mkdir -p "$work/text"
corpus=$shared/corpus/gutenberg-children.tar.xz
book=""
if [[ -f $corpus && -f $shared/corpus/gutenberg-children.MANIFEST.tsv ]]; then
  id=$(awk -F'\t' 'NR==2 {print $1}' "$shared/corpus/gutenberg-children.MANIFEST.tsv")
  if tar -xJf "$corpus" -C "$work" "books/$id.txt" 2>/dev/null; then book=$work/books/$id.txt; fi
fi
if [[ -n $book ]]; then
  echo "using the first 60 KB of $id.txt from the corpus"
  head -c 60000 "$book" | split -l 120 - "$work/text/part-"
else
  echo "corpus absent: using generated text"
  animals=(rabbit fox hen squirrel duck owl) places=(wood garden meadow pond barn hill)
  for d in 0 1 2 3 4 5 6 7 8 9; do
    for i in $(seq 1 120); do
      a=${animals[$(((i * 7 + d) % 6))]} p=${places[$(((i * 5 + d * 3) % 6))]}
      echo "Once upon a time the little $a went to the $p, and the $a said hello to the ${animals[$((i % 6))]}."
    done > "$work/text/part-$d"
  done
fi
for f in "$work"/text/part-*; do mv "$f" "$f.txt"; done

SECONDS=0
"$bin" tokenizer train --input "$work/text" --vocab-size 512 --out "$work/tok" 2>"$work/tok.log"; rc=$?
[[ $rc -eq 0 && -f $work/tok/tokenizer.json && -f $work/tok/vocab.gguf ]] && ok "tokenizer train writes tokenizer.json and vocab.gguf" || { bad "tokenizer train rc=$rc"; cat "$work/tok.log"; }
out=$("$bin" tokenize -m "$work/tok/vocab.gguf" -p " the" 2>&1)
echo "$out" | grep -q . && ok "glassbox tokenize loads vocab.gguf" || bad "tokenize vocab.gguf: $out"

# Bad input: a missing tokenizer, a binary file.
out=$("$bin" data prepare --input "$work/text" --tokenizer "$work/none.json" --out "$work/x" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"none.json"* ]] && ok "missing tokenizer is a clear error" || bad "missing tokenizer: rc=$rc $out"
big=$shared/fixtures/tokenizer/vocab-qwen3.gguf
if [[ -f $big ]]; then
  out=$("$bin" data prepare --input "$work/text" --tokenizer "$big" --out "$work/x" 2>&1); rc=$?
  [[ $rc -eq 1 && $out == *"151669 tokens"*"uint16"* ]] && ok "a vocabulary too large for uint16 shards is a clear error" || bad "big vocab: rc=$rc $out"
fi
printf 'ab\0cd' > "$work/text/zz-binary.txt"
"$bin" data prepare --input "$work/text" --tokenizer "$work/tok/tokenizer.json" --out "$work/data" --val-frac 0.2 --json >"$work/prep.json" 2>"$work/prep.log"; rc=$?
[[ $rc -eq 0 ]] && ok "data prepare" || { bad "data prepare rc=$rc"; cat "$work/prep.log"; }
grep -q "skipping.*zz-binary.txt" "$work/prep.log" && ok "binary file skipped with a warning naming it" || bad "no warning for the binary file"
grep -q '"val_documents":[1-9]' "$work/prep.json" && ok "validation split is non-empty" || bad "val split: $(cat "$work/prep.json")"

common=(--data "$work/data" --d-model 32 --layers 2 --heads 2 --kv-heads 1 --d-ff 96 --ctx 32 --batch 4
        --tokens 6400 --lr 3e-3 --seed 7 --log-every 1 --val-batches 4 --eval-every 25)
"$bin" train "${common[@]}" --threads 2 --out "$work/a" --json >"$work/a.json" 2>"$work/a.log"; rc=$?
[[ $rc -eq 0 ]] && ok "train 50 steps" || { bad "train rc=$rc"; tail -5 "$work/a.log"; }
first=$(awk '/^step 1\// {print $4}' "$work/a.log") last=$(awk '/^step 50\// {print $4}' "$work/a.log")
awk -v a="$first" -v b="$last" 'BEGIN {exit !(b < a - 0.5)}' && ok "loss falls: $first -> $last" || bad "loss did not fall: $first -> $last"
j=$(tail -1 "$work/a.json")
for f in val_loss train_loss tokens seconds tokens_per_s params steps; do
  [[ $j == *"\"$f\":"[0-9]* ]] || { bad "--json lacks $f: $j"; continue; }
done
[[ $j == *'"tokens":6400'* && $j == *'"steps":50'* ]] && ok "--json fields: $j" || bad "--json: $j"

# Interrupted run: stop after 25 steps (checkpoint), then the same command resumes to 50.
"$bin" train "${common[@]}" --threads 1 --out "$work/b" --stop-after 25 >/dev/null 2>"$work/b1.log" || bad "first half rc=$?"
"$bin" train "${common[@]}" --threads 1 --out "$work/b" --json >"$work/b.json" 2>"$work/b2.log"; rc=$?
[[ $rc -eq 0 ]] || bad "resume rc=$rc"
grep '^step' "$work/a.log" | awk '{print $1, $2, $4}' >"$work/a.steps"
cat "$work/b1.log" "$work/b2.log" | grep '^step' | awk '{print $1, $2, $4}' >"$work/b.steps"
if [[ -s $work/a.steps ]] && cmp -s "$work/a.steps" "$work/b.steps"; then ok "resumed run (1 thread) has the losses of the uninterrupted run (2 threads)"; else bad "resume losses differ"; diff "$work/a.steps" "$work/b.steps" | head -5; fi
va=$(grep -o '"val_loss":[^,]*' "$work/a.json") vb=$(grep -o '"val_loss":[^,]*' "$work/b.json")
[[ -n $va && $va == "$vb" ]] && ok "same final $va" || bad "final val loss differs: $va vs $vb"
grep -q '"resumed_from":25' "$work/b.json" && ok "resumed from step 25" || bad "resumed_from: $(cat "$work/b.json")"

# A failing checkpoint write (the file-size limit stands in for a full disk) is a clear error and
# keeps the previous checkpoint, from which the run then resumes to the same result.
"$bin" train "${common[@]}" --out "$work/c" --stop-after 20 >/dev/null 2>&1 || bad "c first part rc=$?"
cp "$work/c/checkpoint.safetensors" "$work/c.before"
out=$( (trap '' XFSZ; ulimit -f 200; "$bin" train "${common[@]}" --out "$work/c" --checkpoint-every 5 2>&1) ); rc=$?
[[ $rc -eq 1 && $out == *"checkpoint at step 25 failed"* ]] && ok "a failed checkpoint write is a clear error" || bad "disk full: rc=$rc ${out: -300}"
cmp -s "$work/c.before" "$work/c/checkpoint.safetensors" && [[ -z $(ls "$work/c" | grep -v -x -e checkpoint.safetensors -e log.jsonl) ]] && ok "previous checkpoint kept, no temporary left" || bad "checkpoint changed or temp files left: $(ls "$work/c")"
"$bin" train "${common[@]}" --out "$work/c" --json >"$work/c.json" 2>/dev/null
vc=$(grep -o '"val_loss":[^,]*' "$work/c.json")
[[ -n $vc && $vc == "$va" ]] && ok "resumed after the failed write: same $vc" || bad "after failed write: $vc vs $va"

# kill -9 while checkpointing every step: the checkpoint left behind loads and the run ends the same.
"$bin" train "${common[@]}" --out "$work/k" --checkpoint-every 1 >/dev/null 2>&1 &
sleep 0.3; kill -9 $! 2>/dev/null; wait $! 2>/dev/null
"$bin" train "${common[@]}" --out "$work/k" --json >"$work/k.json" 2>"$work/k.log"; rc=$?
vk=$(grep -o '"val_loss":[^,]*' "$work/k.json")
[[ $rc -eq 0 && $vk == "$va" ]] && ok "killed mid-run, resumed ($(grep -o '"resumed_from":[0-9]*' "$work/k.json")): same $vk" || { bad "after kill: rc=$rc $vk vs $va"; tail -2 "$work/k.log"; }

out=$("$bin" train "${common[@]/3e-3/1e-3}" --out "$work/b" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"lr"* ]] && ok "a checkpoint with other settings is a clear error" || bad "mismatch: rc=$rc $out"

text=$("$bin" run -m "$work/a/model.gguf" -p "Once upon a time" -n 12 --temp 0.8 --seed 1 --ignore-eos --verbose 2>"$work/run.log"); rc=$?
[[ $rc -eq 0 ]] && grep -q "generated: 12 tokens" "$work/run.log" && ok "glassbox run generates 12 tokens from model.gguf: $(echo ${text:0:40})" || { bad "run rc=$rc: $text"; cat "$work/run.log"; }

# Bad input to train: shards whose tokenizer.gguf comes from another tokenizer, a binary manifest,
# a truncated shard; a corpus of only empty or binary files.
"$bin" tokenizer train --input "$work/text" --vocab-size 300 --out "$work/tok300" >/dev/null 2>&1 || bad "tokenizer 300 rc=$?"
cp -r "$work/data" "$work/data-mix" && cp "$work/tok300/vocab.gguf" "$work/data-mix/tokenizer.gguf"
out=$("$bin" train "${common[@]/$work\/data/$work/data-mix}" --out "$work/mix" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"tokenizer has 300 tokens"*"vocabulary of 512"* && ! -e $work/mix/model.gguf ]] && ok "a tokenizer that does not match the shards is a clear error" || bad "tokenizer mismatch: rc=$rc $out"
cp -r "$work/data" "$work/data-bin" && head -c 300 /dev/urandom > "$work/data-bin/manifest.json"
out=$("$bin" train "${common[@]/$work\/data/$work/data-bin}" --out "$work/binm" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"manifest"*"data-bin/manifest.json"* ]] && ok "a binary manifest is a clear error" || bad "binary manifest: rc=$rc $out"
cp -r "$work/data" "$work/data-cut" && shard=$(ls "$work/data-cut"/train-*.bin | head -1) && truncate -s -100 "$shard"
out=$("$bin" train "${common[@]/$work\/data/$work/data-cut}" --out "$work/cut" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"$(basename "$shard")"* ]] && ok "a truncated shard is a clear error naming it" || bad "truncated shard: rc=$rc $out"
mkdir -p "$work/empty-text" && : > "$work/empty-text/a.txt" && printf '\0\1\2' > "$work/empty-text/b.txt"
out=$("$bin" data prepare --input "$work/empty-text" --tokenizer "$work/tok/tokenizer.json" --out "$work/empty-data" 2>&1); rc=$?
[[ $rc -eq 1 && $out == *"a.txt"* && $out == *"b.txt"* && ! -e $work/empty-data/manifest.json ]] && ok "a corpus of only empty/binary files is a clear error" || bad "empty corpus: rc=$rc $out"

# --export-type q8_0: matrices Q8_0, norms F32; glassbox run loads it; its logits stay near F32's.
echo "Once upon a time the little rabbit went to the wood, and the fox said hello." > "$work/prompt.txt"
"$bin" logits -m "$work/a/model.gguf" --prompt-file "$work/prompt.txt" --json "$work/f32.logits.json" --n-greedy 0 2>/dev/null || bad "logits f32 rc=$?"
"$bin" train "${common[@]}" --out "$work/a" --export-type q8_0 >/dev/null 2>"$work/q8.log"; rc=$?
[[ $rc -eq 0 ]] || { bad "q8_0 export rc=$rc"; tail -2 "$work/q8.log"; }
types=$("$bin" inspect "$work/a/model.gguf" 2>&1)
[[ $types == *q8_0* && $types == *"output_norm"* ]] && ok "--export-type q8_0 writes Q8_0 matrices" || bad "inspect q8_0: ${types: -300}"
text=$("$bin" run -m "$work/a/model.gguf" -p "Once upon a time" -n 8 --temp 0.8 --seed 1 --ignore-eos --verbose 2>"$work/runq.log"); rc=$?
[[ $rc -eq 0 ]] && grep -q "generated: 8 tokens" "$work/runq.log" && ok "glassbox run loads the Q8_0 export: $(echo ${text:0:40})" || { bad "run q8_0: rc=$rc"; tail -3 "$work/runq.log"; }
"$bin" logits -m "$work/a/model.gguf" --prompt-file "$work/prompt.txt" --json "$work/q8.logits.json" --n-greedy 0 2>/dev/null || bad "logits q8_0 rc=$?"
# Measured on this 50-step d32L2 model: max |Δlogit| 0.005, 0.2% of the largest logit; 4% allowed.
d=$(/usr/bin/python3 -c "
import json
a, b = (json.load(open('$work/%s.logits.json' % k))['full_logits'] for k in ('f32', 'q8'))
diff = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
ref = max(abs(x) for r in a for x in r)
print('%.3g %.3g' % (diff, diff / ref))" 2>&1)
awk -v r="${d#* }" 'BEGIN {exit !(r > 0 && r < 0.04)}' && ok "Q8_0 logits stay near F32's: max |diff| ${d% *}, relative ${d#* }" || bad "Q8_0 vs F32 logits: $d"
out=$("$bin" train "${common[@]}" --out "$work/a" --export-type q4_0 2>&1); rc=$?
[[ $rc -eq 2 && $out == *"q4_0"* ]] && ok "an unknown --export-type is a usage error" || bad "export-type q4_0: rc=$rc $out"

# Data parallelism: 2 processes × 2 rows equal 1 process × 4 rows (within float tolerance).
if command -v mpirun >/dev/null 2>&1; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" train "${common[@]}" --threads 1 --out "$work/mpi" --json \
    >"$work/mpi.json" 2>"$work/mpi.log"; rc=$?
  grep '^step' "$work/mpi.log" | awk '{print $1, $2, $4}' >"$work/mpi.steps"
  if [[ $rc -eq 0 ]] && paste -d' ' "$work/a.steps" "$work/mpi.steps" |
       awk 'NF != 6 || $2 != $5 {exit 1} {d = $3 - $6; if (d < 0) d = -d; if (d > 1e-4) exit 1} END {exit NR != 50}'; then
    ok "mpirun -np 2 matches one process: $(grep -o '"val_loss":[^,]*' "$work/mpi.json")"
  else
    bad "mpirun -np 2 differs (rc=$rc)"; tail -3 "$work/mpi.log"; paste "$work/a.steps" "$work/mpi.steps" | head -3
  fi
else
  echo "SKIP mpirun absent: no data-parallel check"
fi

echo "${SECONDS}s; $pass passed, $fail failed"
[[ $fail -eq 0 ]]
