#!/usr/bin/env bash
# Hidden test: checks to_roman on known values and on bad input.
set -euo pipefail
/usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, ".")
from roman import to_roman
cases = {1: "I", 3: "III", 4: "IV", 9: "IX", 14: "XIV", 40: "XL", 90: "XC", 400: "CD",
         1994: "MCMXCIV", 2024: "MMXXIV", 3999: "MMMCMXCIX"}
bad = [k for k, v in cases.items() if to_roman(k) != v]
assert not bad, f"wrong for {bad}"
for x in (0, 4000, -1, 2.5, True, "3"):
    try:
        to_roman(x)
    except ValueError:
        continue
    raise AssertionError(f"to_roman({x!r}) should raise ValueError")
print("ok")
PY
