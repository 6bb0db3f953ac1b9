#!/usr/bin/env python3
"""Reference logits for the model tests (Tests/AugurModelsTests/Fixtures/logits-<model>.json).

For a few short prompts per model, llama-cpp-python (llama.cpp, CPU) provides:
  - the prompt's token ids (llama.cpp's tokenizer),
  - the greedy continuation of CONTINUATION tokens, decoded one token at a time, and the
    top-1 minus top-2 logit gap at each step,
  - top-K logits (ids + values) at every position of prompt + continuation[:-1], evaluated as one
    batch (so position len(prompt)-1+s holds the logits that chose continuation step s),
  - the logits of every STRIDE-th vocabulary id at the last prompt position (float16), to cover
    the tail of the distribution, not just its head.

Arrays are stored little-endian and base64-encoded to keep the fixtures small.

Usage: /root/refenv/bin/python scripts/make-logit-fixtures.py [models-dir] [out-dir]
"""
import base64
import json
import os
import sys

import numpy as np
from llama_cpp import Llama

CONTINUATION = 32
TOP_K = 32
MAX_SAMPLED = 4096

PROMPTS = {
    "smollm2-135m-instruct": [
        "The capital of France is",
        "def fibonacci(n):\n    ",
        "<|im_start|>user\nName three colors.<|im_end|>\n<|im_start|>assistant\n",
    ],
    "qwen2.5-coder-0.5b-instruct": [
        "def quicksort(arr):\n    ",
        "The capital of France is",
        "<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n",
    ],
    "qwen2.5-coder-1.5b-instruct": [
        "def quicksort(arr):\n    ",
        "<|im_start|>user\nWhat does `git rebase` do?<|im_end|>\n<|im_start|>assistant\n",
    ],
}


def b64(a, dtype):
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).astype(np.dtype(dtype).newbyteorder("<")).tobytes()).decode()


def scores(llm, n):
    """Logits of the last n evaluated positions, float32 [n, vocab]."""
    return np.array(llm.scores[llm.n_tokens - n:llm.n_tokens], dtype=np.float32)


def make(model_dir, name):
    llm = Llama(model_path=os.path.join(model_dir, name + ".gguf"), logits_all=True, n_ctx=512,
                n_threads=2, verbose=False)
    vocab = llm.n_vocab()
    stride = max(1, -(-vocab // MAX_SAMPLED))
    cases = []
    for text in PROMPTS[name]:
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        # Greedy continuation, one token per eval as a decode loop runs.
        llm.reset()
        llm.eval(ids)
        last = scores(llm, 1)[0]
        sampled = last[::stride].astype(np.float16)
        cont, gaps = [], []
        for _ in range(CONTINUATION):
            top2 = np.sort(last)[-2:]
            gaps.append(float(top2[1] - top2[0]))
            tok = int(np.argmax(last))
            cont.append(tok)
            llm.eval([tok])
            last = scores(llm, 1)[0]
        # Every position of prompt + continuation[:-1] in one batch.
        seq = ids + cont[:-1]
        llm.reset()
        llm.eval(seq)
        allv = scores(llm, len(seq))
        top = np.argsort(-allv, axis=1, kind="stable")[:, :TOP_K]
        topv = np.take_along_axis(allv, top, axis=1)
        cases.append({
            "prompt": text,
            "tokens": ids,
            "continuation": cont,
            "gaps": gaps,
            "topIds": b64(top, "i4"),
            "topLogits": b64(topv, "f4"),
            "sampledLogits": b64(sampled, "f2"),
        })
    return {"model": name, "vocabSize": vocab, "topK": TOP_K, "sampleStride": stride, "cases": cases,
            "reference": "llama-cpp-python %s, CPU, n_threads=2" % __import__("llama_cpp").__version__}


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/augur/models")
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "Tests",
                                                                 "AugurModelsTests", "Fixtures")
    for name in PROMPTS:
        fixture = make(model_dir, name)
        path = os.path.join(out_dir, "logits-%s.json" % name)
        with open(path, "w") as f:
            json.dump(fixture, f, indent=1)
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
