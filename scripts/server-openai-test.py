"""Integration test of `augur serve` through the official `openai` client (run by server-openai-test.sh).

Starts the server on a free loopback port, then checks:
  1. chat and completion (non-streaming) answer with text, usage and the `augur` block;
  2. streamed text concatenated equals the non-streamed text (greedy, and sampled with one seed);
  3. raw-HTTP error cases answer OpenAI's error shape and the server keeps serving;
  4. a bounded load test: 8 concurrent clients x 5 requests, every reply equal to the same prompt's
     reply alone (nothing mixed between clients), all slots free afterwards, RSS within idle + 50 MB;
     prints the aggregate tokens per second.
Ends with the plain line `N passed, M failed`; exit status 1 on any failure. Stops the server always.
"""
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import openai

AUGUR = sys.argv[1]
MODEL = os.environ.get("AUGUR_SERVER_MODEL", "smollm2-135m-instruct")
SLOTS = int(os.environ.get("AUGUR_SERVER_SLOTS", "2"))
passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start_server():
    proc = subprocess.Popen([AUGUR, "serve", "--model", MODEL, "--port", "0", "--ctx", "1024",
                             "--max-concurrent", str(SLOTS), "--queue", "64"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    port = None
    while port is None and time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise RuntimeError("server exited before listening")
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    base = f"http://127.0.0.1:{port}"
    saw_loading = False
    while time.time() < deadline:
        status, body = raw(base, "GET", "/health")
        if status == 503 and '"loading"' in body:
            saw_loading = True
        if status == 200:
            return proc, base, saw_loading
        time.sleep(0.05)
    raise RuntimeError("server did not become ready")


def main():
    proc, base, saw_loading = start_server()
    try:
        run_checks(proc, base, saw_loading)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def run_checks(proc, base, saw_loading):
    # SmolLM2 loads in well under a second, so "loading" is seen only when polling is quick enough.
    print(f"health: 'loading' seen before 'ready': {saw_loading}")
    status, health = raw(base, "GET", "/health")
    check("health says ready", status == 200 and json.loads(health).get("status") == "ready", health)
    client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
    models = client.models.list()
    check("models lists the served model", [m.id for m in models.data] == [MODEL], str(models))
    check("models retrieves the served model", client.models.retrieve(MODEL).id == MODEL)

    messages = [{"role": "user", "content": "Name three colours."}]
    chat = client.chat.completions.create(model=MODEL, messages=messages, max_tokens=24, temperature=0)
    text = chat.choices[0].message.content
    check("chat answers", bool(text) and chat.choices[0].finish_reason in ("stop", "length"), repr(chat))
    check("chat usage adds up", chat.usage.total_tokens == chat.usage.prompt_tokens + chat.usage.completion_tokens)
    augur = (chat.model_extra or {}).get("augur") or {}
    check("chat has the augur block", "drafted" in augur and "accepted" in augur, str(chat.model_extra))

    stream = client.chat.completions.create(model=MODEL, messages=messages, max_tokens=24, temperature=0,
                                            stream=True, stream_options={"include_usage": True})
    pieces, usage = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage:
            usage = chunk.usage
    check("streamed chat equals non-streamed (greedy)", "".join(pieces) == text, repr("".join(pieces)))
    check("stream usage chunk", usage is not None and usage.completion_tokens == chat.usage.completion_tokens)

    sampled = dict(model=MODEL, messages=[{"role": "user", "content": "Tell me about owls."}],
                   max_tokens=24, temperature=0.8, seed=7,
                   # Seeded samples repeat under the fixed draft policy (the adaptive one follows timings).
                   extra_body={"speculative": {"draft_policy": "fixed"}})
    a = client.chat.completions.create(**sampled).choices[0].message.content
    b = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(stream=True, **sampled) if c.choices)
    check("streamed chat equals non-streamed (seed 7, T 0.8)", a == b, f"{a!r} vs {b!r}")

    comp = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=12, temperature=0)
    ctext = comp.choices[0].text
    check("completion answers", bool(ctext), repr(comp))
    cstream = "".join(c.choices[0].text for c in client.completions.create(
        model=MODEL, prompt="The capital of France is", max_tokens=12, temperature=0, stream=True) if c.choices)
    check("streamed completion equals non-streamed", cstream == ctext, f"{cstream!r} vs {ctext!r}")

    try:
        client.chat.completions.create(model="no-such-model", messages=messages, max_tokens=4)
        check("unknown model is 404", False)
    except openai.NotFoundError as e:
        check("unknown model is 404", e.status_code == 404)
    for body, want in [(b"{not json", 400), (b'{"messages": []}', 400),
                       (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}', 400),
                       (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}', 400)]:
        status, reply = raw(base, "POST", "/v1/chat/completions", body)
        shape = "error" in json.loads(reply) and "message" in json.loads(reply)["error"]
        check(f"raw error {body[:40]!r} -> {want}", status == want and shape, f"{status} {reply}")

    load_test(proc, base, client)


def load_test(proc, base, client):
    prompts = [f"Write a short sentence about the number {i}." for i in range(8)]
    expected = {}
    for p in prompts:  # each prompt alone (also warms every slot up to its final size)
        r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": p}],
                                           max_tokens=32, temperature=0)
        expected[p] = r.choices[0].message.content
    time.sleep(0.5)
    idle = rss_kb(proc.pid)

    def client_run(i):
        c = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=300)
        results = []
        for j in range(5):
            p = prompts[(i + j) % len(prompts)]
            if j % 2:
                text = "".join(ch.choices[0].delta.content or "" for ch in c.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": p}], max_tokens=32, temperature=0, stream=True)
                    if ch.choices)
                tokens = None
            else:
                r = c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": p}],
                                              max_tokens=32, temperature=0)
                text, tokens = r.choices[0].message.content, r.usage.completion_tokens
            results.append((p, text, tokens))
        return results

    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(client_run, range(8)))
    elapsed = time.time() - start
    replies = [r for run in runs for r in run]
    wrong = [(p, t) for p, t, _ in replies if t != expected[p]]
    check("load: 40 replies, each equal to its prompt's reply alone", len(replies) == 40 and not wrong, str(wrong[:2]))
    counted = [n for _, _, n in replies if n is not None]
    per_reply = sum(counted) / max(1, len(counted))
    total_tokens = per_reply * len(replies)
    print(f"load: 8 clients x 5 requests, {SLOTS} slots: {elapsed:.1f} s, "
          f"~{total_tokens:.0f} tokens, aggregate {total_tokens / elapsed:.1f} tok/s")
    status, health = raw(base, "GET", "/health")
    h = json.loads(health)
    check("load: all slots free afterwards", h.get("slots_free") == h.get("slots") and h.get("queue") == 0, health)
    after = rss_kb(proc.pid)
    print(f"load: RSS idle {idle / 1024:.1f} MB, after {after / 1024:.1f} MB")
    check("load: RSS within idle + 50 MB", after <= idle + 50 * 1024, f"{idle} -> {after} kB")
    status, metrics = raw(base, "GET", "/metrics")
    check("metrics served", status == 200 and "augur_generated_tokens_total" in metrics)


if __name__ == "__main__":
    main()
