def to_roman(n: int) -> str:
    """Return n (1 <= n <= 3999) in Roman numerals, using subtractive notation:
    to_roman(4) == "IV", to_roman(1994) == "MCMXCIV".
    Raise ValueError for n outside 1..3999 (and for non-integers, including bool).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise ValueError(f"cannot write {n!r} in Roman numerals")
    out = []
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while n >= value:
            out.append(digits)
            n -= value
    return "".join(out)
