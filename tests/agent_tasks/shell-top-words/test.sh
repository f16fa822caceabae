#!/usr/bin/env bash
# Hidden test: runs top_words.sh on inputs the agent has not seen.
set -euo pipefail
[ -x top_words.sh ] || { echo "FAIL: top_words.sh missing or not executable"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'b a c b a b\nC c-c x\n' > "$tmp/in.txt"
got=$(./top_words.sh "$tmp/in.txt")
want=$'4 c\n3 b\n2 a'
[ "$got" = "$want" ] || { echo "FAIL: got:"; echo "$got"; echo "want:"; echo "$want"; exit 1; }
printf 'Zeta alpha ZETA beta Alpha gamma\n' > "$tmp/tie.txt"
got=$(./top_words.sh "$tmp/tie.txt")
want=$'2 alpha\n2 zeta\n1 beta'
[ "$got" = "$want" ] || { echo "FAIL (ties): got:"; echo "$got"; exit 1; }
if ./top_words.sh "$tmp/nope.txt" > /dev/null 2>&1; then echo "FAIL: a missing file must exit 1"; exit 1; fi
echo ok
