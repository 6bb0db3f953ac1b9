#!/usr/bin/env python3
"""Writes the dequantization fixtures of Tests/AugurGGUFTests/Fixtures/dequant.

For every type Augur supports it stores raw GGML blocks (<name>.blocks) and the float32 values
gguf-py's reference dequantizer (gguf.quants.dequantize) computes from them (<name>.f32, little
endian), plus an index (index.json) naming type, element count and origin of each fixture.

Sources:
  * real rows of the cached models (Q4_K, Q6_K, F32 of the 1.5B; Q5_0, Q8_0, Q4_K, Q6_K, F32 of the
    0.5B; Q4_1, Q8_0, F32 of SmolLM2), a prefix of a few rows each, kept small;
  * for types no model has: Q4_0 and BF16 quantized from real float rows with gguf.quants.quantize,
    F16 from real float rows plus special values (zeros, subnormals, max, infinities, quiet NaN);
    Q5_K has no quantizer in gguf-py, so its blocks are random bytes with finite scales;
  * one block of random bytes (finite f16 scales) per quantized type, to reach bit patterns that
    real weights rarely use (e.g. the top bits of the packed 6-bit K-quant scales).

Run with the reference environment:  /root/refenv/bin/python scripts/make-dequant-fixtures.py
Models are looked up in $AUGUR_MODELS_DIR or ~/.cache/augur/models.
"""
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "AugurGGUFTests", "Fixtures", "dequant")
MODELS = os.environ.get("AUGUR_MODELS_DIR") or os.path.expanduser("~/.cache/augur/models")
MAX_ELEMENTS_PER_ROW = 1024  # a prefix of whole blocks keeps fixtures small
ROWS = 2

rng = np.random.default_rng(20261129)
index = []
_readers = {}


def reader(model):
    if model not in _readers:
        _readers[model] = gguf.GGUFReader(os.path.join(MODELS, model + ".gguf"))
    return _readers[model]


def block_size(t):
    return gguf.GGML_QUANT_SIZES[t][0]


def type_size(t):
    return gguf.GGML_QUANT_SIZES[t][1]


def emit(name, qtype, raw, source):
    """Stores raw block bytes (uint8, whole blocks) and their reference dequantization."""
    raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1)
    bs, ts = block_size(qtype), type_size(qtype)
    assert raw.size % ts == 0, name
    count = raw.size // ts * bs
    expected = dequantize(raw.reshape(1, -1), qtype).astype(np.float32, copy=False).reshape(-1)
    assert expected.size == count, (name, expected.size, count)
    raw.tofile(os.path.join(OUT, name + ".blocks"))
    expected.astype("<f4").tofile(os.path.join(OUT, name + ".f32"))
    index.append({"name": name, "type": qtype.name, "count": int(count), "source": source})


def model_rows(model, tensor_name, rows=ROWS):
    """Raw bytes of a prefix of the first and a middle row of a tensor, concatenated."""
    r = reader(model)
    t = next(t for t in r.tensors if t.name == tensor_name)
    data = np.asarray(t.data)
    qtype = t.tensor_type
    bs, ts = block_size(qtype), type_size(qtype)
    row_bytes = int(t.shape[0]) // bs * ts
    flat = data.reshape(-1).view(np.uint8)
    n_rows = flat.size // row_bytes
    keep = min(row_bytes, MAX_ELEMENTS_PER_ROW // bs * ts) if bs > 1 else min(row_bytes, MAX_ELEMENTS_PER_ROW * ts)
    picks = [0, n_rows // 2][:rows] if n_rows > 1 else [0]
    parts = [flat[i * row_bytes: i * row_bytes + keep] for i in picks]
    return qtype, np.concatenate(parts), f"{model}:{tensor_name} rows {picks}, first {keep} bytes each"


def real_float_rows(model, tensor_name, count):
    """`count` real weights (dequantized from a model tensor) to quantize into synthetic types."""
    r = reader(model)
    t = next(t for t in r.tensors if t.name == tensor_name)
    row = dequantize(np.asarray(t.data).reshape(-1).view(np.uint8)[: type_size(t.tensor_type) * (count // block_size(t.tensor_type))].reshape(1, -1), t.tensor_type)
    return row.reshape(-1)[:count].astype(np.float32)


def random_block(qtype, n_blocks=1):
    """Random bytes, with every f16 scale field replaced by a finite random half."""
    ts = type_size(qtype)
    raw = rng.integers(0, 256, size=(n_blocks, ts), dtype=np.uint8)
    halves = {T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q8_0: [0],
              T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}[qtype]
    for off in halves:
        h = (rng.standard_normal(n_blocks) * 0.01).astype(np.float16)
        raw[:, off:off + 2] = h.view(np.uint8).reshape(n_blocks, 2)
    return raw


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))

    real = [
        ("q4k-1.5b-token-embd", "qwen2.5-coder-1.5b-instruct", "token_embd.weight"),
        ("q6k-1.5b-output", "qwen2.5-coder-1.5b-instruct", "output.weight"),
        ("f32-1.5b-attn-norm", "qwen2.5-coder-1.5b-instruct", "blk.0.attn_norm.weight"),
        ("q5_0-0.5b-token-embd", "qwen2.5-coder-0.5b-instruct", "token_embd.weight"),
        ("q8_0-0.5b-output", "qwen2.5-coder-0.5b-instruct", "output.weight"),
        ("q6k-0.5b-ffn-down", "qwen2.5-coder-0.5b-instruct", "blk.0.ffn_down.weight"),
        ("q4k-0.5b-ffn-down", "qwen2.5-coder-0.5b-instruct", "blk.11.ffn_down.weight"),
        ("f32-0.5b-k-bias", "qwen2.5-coder-0.5b-instruct", "blk.0.attn_k.bias"),
        ("q4_1-smol-ffn-gate", "smollm2-135m-instruct", "blk.0.ffn_gate.weight"),
        ("q8_0-smol-token-embd", "smollm2-135m-instruct", "token_embd.weight"),
        ("f32-smol-norm", "smollm2-135m-instruct", "output_norm.weight"),
    ]
    for name, model, tensor in real:
        qtype, raw, source = model_rows(model, tensor)
        emit(name, qtype, raw, source)

    floats = real_float_rows("qwen2.5-coder-1.5b-instruct", "blk.0.attn_q.weight", 512)
    src = "quantize(first 512 weights of qwen2.5-coder-1.5b blk.0.attn_q.weight)"
    emit("q4_0-quantized", T.Q4_0, quantize(floats.reshape(1, -1), T.Q4_0), src)
    emit("bf16-quantized", T.BF16, quantize(floats.reshape(1, -1), T.BF16), src)
    special = np.array([0.0, -0.0, 6e-8, -6e-8, 6.1e-5, 65504.0, -65504.0, np.inf, -np.inf, np.nan,
                        1.0, -2.5, 1e-3, 3.14159], dtype=np.float16)
    f16 = np.concatenate([floats[:498].astype(np.float16), special])
    emit("f16-real-and-special", T.F16, f16.view(np.uint8), src + " as float16, plus special values")
    # BF16 special values: ±0, ±inf, a quiet NaN, the smallest subnormal, the largest finite.
    bf16_special = np.array([0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0x0001, 0x7F7F, 0x3F80], dtype="<u2")
    emit("bf16-special", T.BF16, bf16_special.view(np.uint8), "hand-made bf16 special values")

    emit("q5k-random", T.Q5_K, random_block(T.Q5_K, 3),
         "random bytes with finite f16 d/dmin (gguf-py has no Q5_K quantizer)")
    for qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q8_0, T.Q4_K, T.Q6_K):
        emit(f"{qtype.name.lower()}-random", qtype, random_block(qtype), "random bytes with finite f16 scales")

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(index)} fixtures, {total} bytes in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
