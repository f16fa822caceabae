#!/usr/bin/python3
"""Runs a command on a pseudo-terminal and follows an expect/send script, for the agent's
interactive tests (permission prompts, /rewind, /compact).

usage: pty_driver.py SCRIPT_JSON TRANSCRIPT_FILE CWD -- COMMAND...
SCRIPT_JSON: [{"expect": "text"} | {"send": "text"}, ...]; each expect waits (up to 30 s) for the
text to appear in the output after the previous match. After the script it sends Ctrl-D and
waits for the program to exit. Exit code: the program's, or 3 when an expectation timed out.
The whole terminal output is written to TRANSCRIPT_FILE.
"""
import json
import os
import pty
import select
import sys
import time

script = json.loads(sys.argv[1])
transcript_path = sys.argv[2]
cwd = sys.argv[3]
command = sys.argv[sys.argv.index("--") + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.chdir(cwd)
    os.execvp(command[0], command)

output = b""
seen = 0  # output before this offset has been matched already


def read_some(timeout):
    global output
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    output += data
    return True


def save():
    with open(transcript_path, "wb") as f:
        f.write(output)


status = 0
for step in script:
    if "send" in step:
        time.sleep(0.05)
        os.write(fd, step["send"].encode())
        continue
    want = step["expect"].encode()
    deadline = time.time() + 30
    while True:
        at = output.find(want, seen)
        if at >= 0:
            seen = at + len(want)
            break
        if time.time() > deadline or not read_some(0.2):
            save()
            sys.stderr.write("pty_driver: timed out waiting for %r\n--- output ---\n%s\n"
                             % (step["expect"], output.decode(errors="replace")))
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.exit(3)

os.write(fd, b"\x04")
deadline = time.time() + 20
while time.time() < deadline and read_some(0.2):
    pass
save()
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st) if hasattr(os, "waitstatus_to_exitcode") else st >> 8)
