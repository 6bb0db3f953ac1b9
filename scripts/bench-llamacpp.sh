#!/usr/bin/env bash
# Measures Augur's decode/prefill speed against llama.cpp's llama-bench on the same GGUF files,
# same machine, same thread count, in one script run. Not part of the tests.
#
# llama.cpp is built from the llama-cpp-python sdist (PyPI) into $AUGUR_LLAMACPP_DIR
# (default ~/.cache/augur/llama.cpp) the first time; nothing of it enters the repository.
#
# Usage: scripts/bench-llamacpp.sh [MODEL_NAME ...]   (default: qwen2.5-coder-1.5b-instruct)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
tokens=${TOKENS:-64}
runs=${RUNS:-3}
lcpp=${AUGUR_LLAMACPP_DIR:-$HOME/.cache/augur/llama.cpp}
models_dir=${AUGUR_MODELS_DIR:-$HOME/.cache/augur/models}
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(qwen2.5-coder-1.5b-instruct)

if [ ! -x "$lcpp/build/bin/llama-bench" ]; then
    echo "building llama-bench in $lcpp (once; several minutes on 2 cores)" >&2
    mkdir -p "$lcpp"
    python3 -m pip download --no-deps --no-binary llama-cpp-python -d "$lcpp/sdist" llama-cpp-python==0.3.36 >&2
    tar -xzf "$lcpp"/sdist/llama_cpp_python-*.tar.gz -C "$lcpp"
    src=$(ls -d "$lcpp"/llama_cpp_python-*/vendor/llama.cpp)
    command -v cmake >/dev/null || python3 -m pip install --quiet cmake >&2
    cmake -S "$src" -B "$lcpp/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF >&2
    cmake --build "$lcpp/build" --target llama-bench llama-speculative llama-speculative-simple -j 2 >&2
fi

swift build -c release --product augur >&2
for name in "${models[@]}"; do
    .build/release/augur pull "$name" >&2
    file="$models_dir/$name.gguf"
    lc=$("$lcpp/build/bin/llama-bench" -m "$file" -t "$threads" -p 64 -n "$tokens" -r "$runs" -o json)
    au=$(.build/release/augur bench --model "$file" --threads "$threads" --max-tokens "$tokens" --runs "$runs" --json)
    python3 - "$name" "$lc" "$au" <<'PY'
import json, sys
name, lc, au = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
tg = next(r["avg_ts"] for r in lc if r["n_gen"] > 0)
pp = next(r["avg_ts"] for r in lc if r["n_prompt"] > 0)
ad, ap = au["decodeTokensPerSecond"], au["prefillTokensPerSecond"]
print(f"{name}: decode augur {ad:.2f} tok/s, llama.cpp {tg:.2f} tok/s, ratio {ad/tg:.2f}; "
      f"prefill augur {ap:.1f} tok/s, llama.cpp pp64 {pp:.1f} tok/s, ratio {ap/pp:.2f}")
PY
done
