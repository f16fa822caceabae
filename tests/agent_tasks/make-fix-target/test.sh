#!/usr/bin/env bash
# Hidden test: a clean build and check through the Makefile, then clean.
set -euo pipefail
make clean > /dev/null 2>&1 || true
out=$(make test 2>&1) || { echo "FAIL: make test:"; echo "$out"; exit 1; }
grep -q "check passed" <<< "$out" || { echo "FAIL: the check did not run:"; echo "$out"; exit 1; }
make clean > /dev/null
[ ! -e build/hello ] || { echo "FAIL: make clean left build/hello"; exit 1; }
grep -q 'strcmp(argv\[1\], "--check")' src/main.c || { echo "FAIL: src/main.c was changed"; exit 1; }
echo ok
