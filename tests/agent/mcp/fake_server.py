#!/usr/bin/python3
"""A hand-written stdio MCP server for the client's edge cases (the real SDK server is server.mjs).

usage: fake_server.py MODE, MODE one of:
  paged        tools/list in two pages (nextCursor); before each answer it sends a notification and
               a ping request the client must answer; tools/call echoes its arguments
  garbage      answers tools/call with a line that is not JSON
  die          writes to stderr and exits 3 on tools/call
  silent       never answers tools/call
  rpc_error    answers tools/call with a JSON-RPC error
  bad_init     answers initialize without a protocolVersion
"""
import json
import sys

mode = sys.argv[1]


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def tool(name):
    return {"name": name, "description": f"tool {name}",
            "inputSchema": {"type": "object", "properties": {"x": {"type": "string"}}}}


for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None or method is None:
        continue  # notifications and our ping's answer
    if method == "initialize":
        result = {"capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "0"}}
        if mode != "bad_init":
            result["protocolVersion"] = msg["params"]["protocolVersion"]
        send({"jsonrpc": "2.0", "id": mid, "result": result})
    elif method == "tools/list":
        if mode == "paged":
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "data": "listing"}})
            send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
            pong = json.loads(sys.stdin.readline())
            if pong.get("id") != "srv-1" or "result" not in pong:
                sys.stderr.write("client did not answer ping\n")
                sys.exit(4)
        cursor = (msg.get("params") or {}).get("cursor")
        if mode == "paged" and cursor is None:
            send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [tool("one"), tool("two")],
                                                          "nextCursor": "page-2"}})
        elif mode == "paged":
            send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [tool("three.dot")]}})
        else:
            send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [tool("one")]}})
    elif method == "tools/call":
        if mode == "garbage":
            sys.stdout.write("Traceback (most recent call last): oops\n")
            sys.stdout.flush()
        elif mode == "die":
            sys.stderr.write("fatal: the fake server crashed\n")
            sys.stderr.flush()
            sys.exit(3)
        elif mode == "silent":
            pass
        elif mode == "rpc_error":
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "unknown tool"}})
        else:
            send({"jsonrpc": "2.0", "id": mid,
                  "result": {"content": [{"type": "text", "text": json.dumps(msg["params"])}]}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no " + method}})
