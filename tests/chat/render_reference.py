"""Renders every chat template fixture with Jinja2 configured as transformers' apply_chat_template does.

Usage: /usr/bin/python3 render_reference.py TEMPLATES_DIR CONVERSATIONS_JSON OUT_DIR
Writes OUT_DIR/<template stem>.json: {conversation name: {"output": text} or {"error": message}}.
The environment mirrors transformers.utils.chat_template_utils._compile_jinja_template: an
ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loopcontrols, transformers' tojson
(ensure_ascii=False), raise_exception and strftime_now; render() gets messages, tools, documents,
add_generation_prompt and the special tokens.
"""
import json
import os
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    templates_dir, conversations_path, out_dir = sys.argv[1:4]
    with open(conversations_path, encoding="utf-8") as f:
        spec = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    if not os.path.isdir(templates_dir):
        print(f"SKIP: {templates_dir} is absent")
        return
    env = make_env()
    count = 0
    for name in sorted(os.listdir(templates_dir)):
        if not name.endswith(".jinja"):
            continue
        with open(os.path.join(templates_dir, name), encoding="utf-8") as f:
            source = f.read()
        template = env.from_string(source)
        results = {}
        for conv in spec["conversations"]:
            try:
                tools = spec["tool_sets"][conv["tools"]] if "tools" in conv else None
                variables = dict(messages=conv["messages"], tools=tools, documents=None,
                                 add_generation_prompt=conv["add_generation_prompt"],
                                 bos_token=spec["bos_token"], eos_token=spec["eos_token"])
                variables.update(conv.get("extra", {}))
                text = template.render(**variables)
                results[conv["name"]] = {"output": text}
            except Exception as e:  # the C++ side must fail with the same message
                results[conv["name"]] = {"error": str(e), "type": type(e).__name__}
            count += 1
        with open(os.path.join(out_dir, name[:-len(".jinja")] + ".json"), "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=1)
    print(f"rendered {count} template x conversation cases into {out_dir}")


if __name__ == "__main__":
    main()
