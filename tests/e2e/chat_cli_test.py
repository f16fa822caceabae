#!/usr/bin/python3
"""`glassbox chat` in a real pseudo-terminal: streaming, Ctrl-C, slash commands, /save, exits; and piped stdin.

usage: chat_cli_test.py GLASSBOX_BIN SHARED_DIR WORK_DIR
Uses the storyteller model from SHARED_DIR when present, else a random-weight `glassbox synth --shape tiny` model.
"""
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time

BIN, SHARED, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
PROMPT = ">>> "


def model_path():
    story = os.path.join(SHARED, "reference", "storyteller-16m-q8_0.gguf")
    if os.path.isfile(story):
        return story
    print("storyteller model absent: using a random-weight synth model")
    tiny = os.path.join(WORK, "tiny.gguf")
    if not os.path.isfile(tiny):
        subprocess.run([BIN, "synth", "--shape", "tiny", "--type", "f32", "-o", tiny], check=True,
                       stdout=subprocess.DEVNULL)
    return tiny


class Chat:
    """A glassbox chat process on the slave side of a pty (its controlling terminal, so ^C is a real SIGINT)."""

    def __init__(self, *extra):
        argv = [BIN, "chat", "-m", MODEL, "--ctx", "2048", "-t", "2", "--verbose", *extra]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "dumb"
            os.execv(BIN, argv)
        self.out = b""
        self.seen = 0  # bytes of self.out already matched by expect()
        self.chunks = []  # (time, bytes) of every read, to see streaming

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return None
        if not data:
            return None
        self.out += data
        self.chunks.append((time.monotonic(), data))
        return True

    def expect(self, pattern, timeout=60):
        """Waits for `pattern` (regex on decoded text) after what earlier expects consumed; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.out.decode("utf-8", "replace")
            m = rx.search(text, self.seen)
            if m:
                self.seen = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.read(left) is None:
                raise AssertionError(f"expected /{pattern}/ after offset {self.seen}; output:\n{text[-3000:]}")

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait_exit(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.read(0.05):  # drain what is left
                    pass
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.read(0.1)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError("glassbox chat did not exit; output:\n" + self.out.decode("utf-8", "replace")[-2000:])


def test_session():
    chat = Chat("--seed", "7", "--max-tokens", "40")
    chat.expect(r"glassbox chat: .*context 2048 tokens")
    chat.expect(re.escape(PROMPT))

    # A first message: the reply streams and the prompt comes back.
    chat.send("Once upon a time\n")
    chat.expect(r"\[prompt \d+ tokens \(0 reused")
    chat.expect(re.escape(PROMPT))

    # Ctrl-C during a long reply stops the reply, not the program. A reply that ended before the ^C arrived
    # would make the ^C exit at the prompt, so ^C goes out as soon as the reply's first bytes are seen.
    chat.send("/max 4000\n")
    chat.expect(r"at most 4000 tokens per reply")
    chat.expect(re.escape(PROMPT))
    stories = []
    sent = False
    while not sent and len(stories) < 3:
        stories.append(f"Tell me a long story about dragon number {len(stories)}.")
        chat.send(stories[-1] + "\n")
        start = len(chat.out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert chat.read(deadline - time.monotonic()) is not None, "glassbox chat died during the reply"
            reply = chat.out[start:].decode("utf-8", "replace")
            after_echo = reply.split(stories[-1], 1)[-1].lstrip("\r\n")
            if PROMPT in after_echo:  # this story ended on its own before ^C could go out: tell another
                chat.seen = len(chat.out.decode("utf-8", "replace"))
                break
            if after_echo.strip():
                chat.send("\x03")
                sent = True
                break
    assert sent, f"no reply was still streaming when ^C was sent ({len(stories)} tries)"
    chat.expect(r"\[stopped\]", timeout=20)
    chat.expect(re.escape(PROMPT))
    stopped_at = len(chat.out)
    time.sleep(0.3)  # nothing more is generated after the stop
    chat.read(0.2)
    assert len(chat.out) == stopped_at, chat.out[stopped_at:]

    # The program goes on: settings and a system prompt, then another turn that reuses the cache.
    chat.send("/max 24\n")
    chat.expect(re.escape(PROMPT))
    chat.send("/system You are a pirate who tells stories.\n")
    chat.expect(r"system prompt set")
    chat.expect(re.escape(PROMPT))
    chat.send("/settings\n")
    chat.expect(r"max 24 tokens per reply, seed 7.*system prompt: You are a pirate who tells stories\.")
    chat.expect(re.escape(PROMPT))
    chat.send("/temp 9\n")
    chat.expect(r"error: /temp: must be between 0 and 2")
    chat.expect(re.escape(PROMPT))
    chat.send("Ahoy!\n")
    chat.expect(r"\[prompt \d+ tokens")
    chat.expect(re.escape(PROMPT))
    chat.send("What next?\n")
    m = chat.expect(r"\[prompt (\d+) tokens \((\d+) reused, (\d+) computed")
    prompt, reused, computed = map(int, m.groups())
    assert reused > 0 and computed < prompt / 2, m.group(0)  # earlier turns are not recomputed
    chat.expect(re.escape(PROMPT))

    # Multi-line input: a \ continuation and a """ block.
    chat.send("first line\\\n")
    chat.expect(r"\.\.\. ")
    chat.send("second line\n")
    chat.expect(re.escape(PROMPT))
    chat.send('"""\n/not a command\nlast\n"""\n')
    chat.expect(re.escape(PROMPT))

    # /save as JSON and Markdown.
    json_path = os.path.join(WORK, "transcript.json")
    md_path = os.path.join(WORK, "transcript.md")
    chat.send(f"/save {json_path}\n")
    n_messages = 2 * (5 + len(stories))
    chat.expect(rf"saved {n_messages} messages to ")
    chat.expect(re.escape(PROMPT))
    chat.send(f"/save {md_path}\n")
    chat.expect(re.escape(PROMPT))
    with open(json_path) as f:
        doc = json.load(f)
    assert doc["system"] == "You are a pirate who tells stories.", doc["system"]
    assert doc["settings"]["max_tokens"] == 24 and doc["settings"]["seed"] == 7, doc["settings"]
    roles = [m["role"] for m in doc["messages"]]
    assert roles == ["user", "assistant"] * (n_messages // 2), roles
    users = [m["content"] for m in doc["messages"] if m["role"] == "user"]
    assert users == ["Once upon a time", *stories, "Ahoy!", "What next?",
                     "first line\nsecond line", "/not a command\nlast"], users
    stopped = 2 * len(stories) + 1  # the last story's reply
    assert doc["messages"][stopped].get("interrupted") is True and doc["messages"][stopped]["content"]
    assert all(not m.get("interrupted") for i, m in enumerate(doc["messages"]) if i != stopped)
    # The saved replies are what was shown on the terminal.
    screen = chat.out.decode("utf-8", "replace").replace("\r\n", "\n")
    assert doc["messages"][stopped]["content"].strip() in screen
    with open(md_path) as f:
        md = f.read()
    assert md.startswith("# Chat with ") and "**System:** You are a pirate who tells stories." in md, md[:200]
    assert "## User\n\nAhoy!\n" in md and "*[interrupted]*" in md

    # /reset forgets the conversation; /exit leaves with status 0.
    chat.send("/reset\n")
    chat.expect(r"conversation cleared")
    chat.expect(re.escape(PROMPT))
    chat.send(f"/save {json_path}\n")
    chat.expect(r"saved 0 messages")
    chat.expect(re.escape(PROMPT))
    with open(json_path) as f:
        assert json.load(f)["messages"] == []
    chat.send("/exit\n")
    assert chat.wait_exit() == 0
    print("pty session: ok")


def test_exits():
    chat = Chat()
    chat.expect(re.escape(PROMPT))
    chat.send("\x04")  # Ctrl-D at the prompt
    assert chat.wait_exit() == 0
    for _ in range(5):  # SIGINT must reach the thread blocked at the prompt, whichever thread the kernel picks
        chat = Chat()
        chat.expect(re.escape(PROMPT))
        chat.send("\x03")  # Ctrl-C at the prompt
        assert chat.wait_exit() == 0
    print("Ctrl-D and Ctrl-C at the prompt: ok")


def test_piped():
    path = os.path.join(WORK, "piped.json")
    stdin = f"/max 8\nHello there\n/save {path}\n"
    r = subprocess.run([BIN, "chat", "-m", MODEL, "-t", "2", "--seed", "3"], input=stdin.encode(),
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert PROMPT.encode() not in r.stdout and b"glassbox chat:" not in r.stdout, r.stdout
    assert b"saved 2 messages" in r.stderr, r.stderr
    with open(path) as f:
        doc = json.load(f)
    assert [m["content"] for m in doc["messages"]][0] == "Hello there"
    assert r.stdout.decode() == doc["messages"][1]["content"] + "\n", (r.stdout, doc)
    # Same seed, same input: the same reply.
    again = subprocess.run([BIN, "chat", "-m", MODEL, "-t", "2", "--seed", "3"], input=stdin.encode(),
                           capture_output=True, timeout=60)
    assert again.stdout == r.stdout
    bad = subprocess.run([BIN, "chat", "-m", os.path.join(WORK, "missing.gguf")], input=b"", capture_output=True,
                         timeout=60)
    assert bad.returncode == 1 and b"missing.gguf" in bad.stderr, bad.stderr
    print("piped stdin: ok")


if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    MODEL = model_path()
    t0 = time.monotonic()
    test_session()
    test_exits()
    test_piped()
    print(f"3 passed in {time.monotonic() - t0:.1f} s")
