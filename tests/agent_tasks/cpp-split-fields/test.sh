#!/usr/bin/env bash
# Hidden test: compiles our own checks against the workspace's fields.cc.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
g++ -std=c++17 -O0 -I. -o "$out/t" "$TASK_DIR/hidden_test.cc" fields.cc
"$out/t"
