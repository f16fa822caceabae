import re

_UNITS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Seconds in a duration like "1h30m", "45s" or "2h5s": numbers each followed by h, m or s,
    units in that order, each at most once. Raise ValueError for anything else (including "")."""
    total = 0
    for number, unit in re.findall(r"(\d+)([hms])", text):
        total += int(number) * _UNITS[unit] + int(number)
    return total
