#!/usr/bin/env bash
# Measures Augur's decode/prefill speed against llama.cpp's llama-bench on the same GGUF files,
# same machine, same thread count, in one script run. Not part of the tests.
#
# llama.cpp is built from the llama-cpp-python sdist (PyPI) into $AUGUR_LLAMACPP_DIR
# (default ~/.cache/augur/llama.cpp) the first time; nothing of it enters the repository.
#
# Usage: scripts/bench-llamacpp.sh [MODEL_NAME ...]   (default: qwen2.5-coder-1.5b-instruct)
#        scripts/bench-llamacpp.sh --speculative [PROMPTS_FILE]
#   The second form compares speculative decoding (1.5B target, 0.5B draft, greedy, $TOKENS new tokens,
#   default 256): llama.cpp's llama-speculative against its own plain decoding (llama-bench tg), and
#   `augur generate --compare-ar` (Augur speculative against Augur plain, same process), on the same
#   chat-formatted prompts (one per line of PROMPTS_FILE; three built-in prompts by default).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-2}
speculative=0
if [ "${1:-}" = "--speculative" ]; then speculative=1; shift; fi
tokens=${TOKENS:-$([ $speculative = 1 ] && echo 256 || echo 64)}
runs=${RUNS:-3}
lcpp=${AUGUR_LLAMACPP_DIR:-$HOME/.cache/augur/llama.cpp}
models_dir=${AUGUR_MODELS_DIR:-$HOME/.cache/augur/models}
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(qwen2.5-coder-1.5b-instruct)
[ $speculative = 1 ] && models=(qwen2.5-coder-1.5b-instruct)

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

if [ $speculative = 1 ]; then
    target="$models_dir/qwen2.5-coder-1.5b-instruct.gguf"
    draft="$models_dir/qwen2.5-coder-0.5b-instruct.gguf"
    .build/release/augur pull qwen2.5-coder-1.5b-instruct qwen2.5-coder-0.5b-instruct >&2
    prompts_file=${1:-}
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    if [ -z "$prompts_file" ]; then
        prompts_file="$work/prompts.txt"
        cat > "$prompts_file" <<'TXT'
Write a Python function that parses an ISO 8601 date string and returns a datetime, with error handling and a docstring.
Rewrite this JavaScript to use async/await: function load(url, cb) { fetch(url).then(r => r.json()).then(d => cb(null, d)).catch(e => cb(e)); }
Explain the difference between a process and a thread in a few paragraphs.
TXT
    fi
    lc_ar=$("$lcpp/build/bin/llama-bench" -m "$target" -t "$threads" -p 0 -n "$tokens" -r 1 -o json)
    i=0
    while IFS= read -r prompt || [ -n "$prompt" ]; do
        [ -z "$prompt" ] && continue
        i=$((i + 1))
        # The same ChatML text (Qwen's default system prompt) for both engines.
        printf '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n%s<|im_end|>\n<|im_start|>assistant\n' "$prompt" > "$work/p$i.txt"
        "$lcpp/build/bin/llama-speculative" -m "$target" -md "$draft" -f "$work/p$i.txt" -n "$tokens" --temp 0 \
            -t "$threads" -td "$threads" -c 4096 > "$work/lc$i.out" 2> "$work/lc$i.err" || true
        .build/release/augur generate --raw -f "$work/p$i.txt" --max-tokens "$tokens" --threads "$threads" \
            --compare-ar > "$work/au$i.out" 2> "$work/au$i.err"
        python3 - "$i" "$lc_ar" "$work/lc$i.err" "$work/au$i.err" <<'PY'
import json, re, sys
i, lc_ar, lc_err, au_err = sys.argv[1], json.loads(sys.argv[2]), open(sys.argv[3]).read(), open(sys.argv[4]).read()
tg = next(r["avg_ts"] for r in lc_ar if r["n_gen"] > 0)
m = re.search(r"decoded\s+(\d+) tokens in\s+([\d.]+) seconds, speed:\s+([\d.]+) t/s", lc_err)
acc = re.search(r"accept\s*=\s*([\d.]+)%", lc_err)
lc_sd = float(m.group(3)) if m else float("nan")
dec = [float(x) for x in re.findall(r"decode ([\d.]+) tok/s", au_err)]
au_sd, au_ar = (dec[0], dec[1]) if len(dec) >= 2 else (float("nan"), float("nan"))
alpha = re.search(r"α ([\d.]+)", au_err)
tau = re.search(r"τ ([\d.]+)", au_err)
same = "same tokens: yes" in au_err
print(f"prompt {i}: llama.cpp speculative {lc_sd:.2f} tok/s vs its tg {tg:.2f} -> {lc_sd/tg:.2f}x"
      f" (accept {acc.group(1) if acc else '?'}%) | augur speculative {au_sd:.2f} vs plain {au_ar:.2f} -> {au_sd/au_ar:.2f}x"
      f" (α {alpha.group(1) if alpha else '?'}, τ {tau.group(1) if tau else '?'}, identical to plain: {same})"
      f" | augur/llama.cpp speculative {au_sd/lc_sd:.2f}x")
PY
    done < "$prompts_file"
    exit 0
fi

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
