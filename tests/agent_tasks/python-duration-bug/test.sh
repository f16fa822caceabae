#!/usr/bin/env bash
# Hidden test: more durations, and the inputs that must be refused.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, ".")
from durations import parse_duration
cases = {"1h30m": 5400, "45s": 45, "2h5s": 7205, "10m": 600, "1h1m1s": 3661, "0s": 0}
bad = {k: parse_duration(k) for k in cases if parse_duration(k) != cases[k]}
assert not bad, f"wrong: {bad}"
for x in ("", "5", "1x", "30m1h", "1h1h", "h", "1h 30m"):
    try:
        parse_duration(x)
    except ValueError:
        continue
    raise AssertionError(f"parse_duration({x!r}) should raise ValueError")
print("ok")
PY
