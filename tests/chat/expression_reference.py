"""Differential reference: random Jinja expressions and statement templates rendered by Jinja2 as
transformers configures it.

Usage: /usr/bin/python3 expression_reference.py OUT_JSON [SEED] [COUNT]
Writes {"context": {...}, "cases": [{"source", "output" | "error" | "syntax_error"}]}: COUNT expressions
`{{ ... }}` and COUNT/2 templates of nested for/if/set/namespace/macro/call statements with random
whitespace control around them. Both come from fixed grammars with a fixed seed, so the file is the same on
every run.
"""
import copy
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from render_reference import make_env  # noqa: E402

CONTEXT = {
    "s": "Hello World", "e": "", "u": "héllo wörld Ünïcode", "n": 3, "f": 2.5, "z": 0, "neg": -7, "t": True,
    "no": None, "l": [3, 1, 2], "ls": ["b", "a", "C"], "d": {"b": 1, "a": [1, 2], "c": {"x": "y"}},
    "m": [{"role": "user", "content": "hi"},
          {"role": "assistant", "content": None,
           "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}],
    "ws": "\u00a0 pad\n \u3000", "q": "it's \"q\" <b>&",
}
ATOMS = ["s", "e", "u", "n", "f", "z", "neg", "t", "no", "l", "ls", "d", "m", "ws", "q", "missing", "1", "0", "-1",
         "2.0", "0.1", "'x'", "''", "'a,b'", "[1, 'a']", "[]", "{'k': 'v'}", "true", "false", "none", "(1, 2)", "d.c",
         "m[0]", "m[1].tool_calls[0].function", "l[-1]", "m[0].role"]
FILTERS = ["trim", "upper", "lower", "title", "capitalize", "length", "count", "first", "last", "string", "int",
           "float", "list", "tojson", "tojson(indent=2)", "tojson(sort_keys=true)", "join", "join(', ')",
           "default('D')", "d(1, true)", "items|list", "sort", "sort(reverse=true)", "unique|list", "sum", "abs",
           "round", "round(1)", "reverse|list", "max", "min", "dictsort", "batch(2)|list", "indent(2)",
           "indent(2, true)", "replace('l', 'L')", "wordcount", "center(9)", "safe", "escape",
           "select('odd')|list", "reject('none')|list", "selectattr('role')|list", "map(attribute='role')|list",
           "map('upper')|join", "format(1)", "list|length", "tojson(ensure_ascii=true)", "first|string"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence",
         "boolean", "true", "false", "odd", "even", "divisibleby 2", "lower", "upper", "eq 3", "in l",
         "sameas none", "callable"]
METHODS = ["strip()", "lstrip()", "rstrip()", "split()", "split(',')", "split('l', 1)", "startswith('H')",
           "endswith(('d', 'x'))", "upper()", "lower()", "title()", "replace('o', '0')", "find('o')", "count('l')",
           "keys()|list", "values()|list", "get('a')", "get('zz', 5)", "format(1, 2)", "index(1)", "isdigit()",
           "splitlines()", "capitalize()"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
INDEXES = ["0", "-1", "1:", "::-1", ":2", "'a'", "'role'"]


def expression(rnd, depth=0):
    r = rnd.random()
    if depth > 2 or r < 0.3:
        return rnd.choice(ATOMS)
    if r < 0.45:
        return f"{expression(rnd, depth + 1)}|{rnd.choice(FILTERS)}"
    if r < 0.55:
        return f"{expression(rnd, depth + 1)} is {rnd.choice(['', 'not '])}{rnd.choice(TESTS)}"
    if r < 0.65:
        return f"{expression(rnd, depth + 1)}.{rnd.choice(METHODS)}"
    if r < 0.85:
        return f"({expression(rnd, depth + 1)} {rnd.choice(BINOPS)} {expression(rnd, depth + 1)})"
    if r < 0.9:
        return f"{expression(rnd, depth + 1)}[{rnd.choice(INDEXES)}]"
    if r < 0.95:
        return (f"({expression(rnd, depth + 1)} if {expression(rnd, depth + 1)} "
                f"else {expression(rnd, depth + 1)})")
    return f"not {expression(rnd, depth + 1)}"


WHITESPACE = ["", " ", "  ", "\n", "\n  ", "  \n", "\t", "\n\n"]
MACROS = ["",
          "{% macro mac(a, b=1) %}[{{ a }}|{{ b }}{% if caller is defined %}{{ caller() }}{% endif %}]"
          "{% endmacro %}\n",
          "{%- macro mac(a=0, b='q') -%}\n  <{{ a }}{{ b }}{{ varargs }}{{ kwargs }}>\n{%- endmacro %}\n"]
PRINTABLE = ["n", "s", "'x'", "loop.index", "x", "y", "ns.v", "l|length", "x ~ y", "k", "v", "loop.revindex",
              "loop.first", "loop.last", "loop.previtem", "loop.nextitem", "loop.length", "caller()", "mac(1)",
              "mac(x, b=2)", "varargs", "kwargs"]


def statements(rnd, depth=0):
    ws = lambda: rnd.choice(WHITESPACE)  # noqa: E731
    open_ = lambda: "{%" + rnd.choice(["", "-", "", "+"]) + " "  # noqa: E731
    close = lambda: " " + rnd.choice(["", "-", "", "+"]) + "%}"  # noqa: E731
    parts = []
    for _ in range(rnd.randint(1, 3)):
        r = rnd.random()
        if depth > 2 or r < 0.35:
            parts.append(ws() + rnd.choice(["text", "A", "<b>", "-", "B\n"]) + ws())
        elif r < 0.5:
            parts.append("{{" + rnd.choice(["", "-"]) + " " + rnd.choice(PRINTABLE) + " " +
                         rnd.choice(["", "-"]) + "}}")
        elif r < 0.6:
            iterable = rnd.choice(["l", "ls", "range(3)", "[]", "d", "d.items()", "m", "s"])
            parts.append(open_() + "for x in " + iterable + rnd.choice(["", " if x", " if loop is undefined"]) +
                         close() + statements(rnd, depth + 1) +
                         rnd.choice(["", open_() + "else" + close() + statements(rnd, depth + 1)]) +
                         open_() + "endfor" + close())
        elif r < 0.7:
            parts.append(open_() + "if " + expression(rnd, 2) + close() + statements(rnd, depth + 1) +
                         rnd.choice(["", open_() + "elif " + expression(rnd, 2) + close() +
                                     statements(rnd, depth + 1)]) +
                         rnd.choice(["", open_() + "else" + close() + statements(rnd, depth + 1)]) +
                         open_() + "endif" + close())
        elif r < 0.78:
            parts.append(open_() + "set " + rnd.choice(["x", "y", "n"]) + " = " +
                         rnd.choice(["x", "y", "n", "1", "loop.index", "n + 1", "x ~ 1"]) + close())
        elif r < 0.84:
            parts.append(open_() + "set ns.v = " + rnd.choice(["ns.v + 1", "x", "loop.index0", "[ns.v]"]) +
                         close())
        elif r < 0.9:
            parts.append(open_() + "for k, v in d.items()" + close() + statements(rnd, depth + 1) + open_() +
                         "endfor" + close())
        elif r < 0.95:
            parts.append(open_() + "call mac(" + rnd.choice(["", "x", "1, 2", "c=3"]) + ")" + close() +
                         statements(rnd, depth + 1) + open_() + "endcall" + close())
        elif r < 0.98:
            parts.append("{#" + rnd.choice(["", "-"]) + " comment " + rnd.choice(["", "-"]) + "#}" + ws())
        else:
            parts.append(open_() + "raw" + close() + ws() + "{{ not a tag }}" + ws() + open_() + "endraw" +
                         close() + ws())
    return "".join(parts)


def statement_template(rnd):
    prelude = rnd.choice(["", "{% set ns = namespace(v=0) %}", "{%- set ns = namespace(v=0) -%}\n"])
    return prelude + rnd.choice(MACROS) + statements(rnd) + rnd.choice(WHITESPACE)


def main():
    out_path = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rnd = random.Random(seed)
    env = make_env()
    cases = []
    sources = ["{{ " + expression(rnd) + " }}" for _ in range(count)]
    sources += [statement_template(rnd) for _ in range(count // 2)]
    for source in sources:
        case = {"source": source}
        try:
            template = env.from_string(source)
        except Exception as e:  # noqa: BLE001 - any compile error is a syntax error for the C++ side
            case["syntax_error"] = str(e)
            cases.append(case)
            continue
        try:
            # A fresh copy each time: Python's `list += str` inside `indent` would mutate the context.
            case["output"] = template.render(**copy.deepcopy(CONTEXT))
        except Exception as e:  # noqa: BLE001
            case["error"] = str(e)
        cases.append(case)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"context": CONTEXT, "cases": cases}, f, ensure_ascii=False)
    print(f"wrote {len(cases)} expressions and templates to {out_path}")


if __name__ == "__main__":
    main()
