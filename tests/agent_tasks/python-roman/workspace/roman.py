def to_roman(n: int) -> str:
    """Return n (1 <= n <= 3999) in Roman numerals, using subtractive notation:
    to_roman(4) == "IV", to_roman(1994) == "MCMXCIV".
    Raise ValueError for n outside 1..3999 (and for non-integers, including bool).
    """
    raise NotImplementedError
