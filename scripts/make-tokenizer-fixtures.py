#!/usr/bin/env python3
"""Generate the tokenizer and chat-template fixtures for Tests/AugurTokenizerTests.

Reference: llama.cpp's tokenizer through llama-cpp-python (vocab-only load of each GGUF), and the
GGUF's own `tokenizer.chat_template` rendered with jinja2 the way Hugging Face transformers does
(trim_blocks, lstrip_blocks, a `tojson` filter).

Usage (from the repository root):
    /root/refenv/bin/python scripts/make-tokenizer-fixtures.py [--models DIR]

Writes
    Tests/AugurTokenizerTests/Fixtures/tokenizer-fixtures.json
        {"strings": [...], "special_indices": [...],
         "vocabs": {"qwen": {"plain": [[ids]...], "special": [[ids]...], "n_tokens", "bos", "eos", "eog"},
                    "smol": {...}, "smol-llama-bpe": {...}, "smol-gpt-2": {...}}}
        The last two: the SmolLM2 vocabulary with tokenizer.ggml.pre replaced, "special" left empty.
        `plain[i]` are the ids of strings[i] with special=False; `special[j]` the ids of
        strings[special_indices[j]] with special=True.
    Tests/AugurTokenizerTests/Fixtures/chat-template-fixtures.json
        [{"model": ..., "messages": [[role, content]...], "add_generation_prompt": bool, "expected": str}]

The string corpus is generated deterministically (fixed seed), so rerunning gives the same files.
"""
import argparse
import json
import os
import random
import sys
import unicodedata

MODELS = {
    "qwen": "qwen2.5-coder-1.5b-instruct",
    "qwen-draft": "qwen2.5-coder-0.5b-instruct",
    "smol": "smollm2-135m-instruct",
}

# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------

CODE = [
    "def add(a, b):\n    return a + b\n",
    "def f(x):\n\tif x > 0:\n\t\treturn x  \n\treturn -x\n",
    "class Point:\n    def __init__(self, x: float, y: float) -> None:\n        self.x = x\n        self.y = y\n\n\n",
    "import numpy as np\nA = np.zeros((3, 4), dtype=np.float32)\nprint(A.shape)  # (3, 4)\n",
    "for i in range(10):\n  \tprint(f\"{i:03d}\", end='')\n",
    "    # mixed indentation\n\t    x = 1\n  \t  y = 2\n",
    "struct Vec3 { var x, y, z: Float }\nlet v = Vec3(x: 1, y: 2, z: 3)\n",
    "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}\n",
    "guard let p = optional else { throw MyError.missing(\"p\") }\n",
    "#include <stdio.h>\n\nint main(int argc, char **argv) {\n\tprintf(\"%d\\n\", argc);\n\treturn 0;\n}\n",
    "static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }",
    "for (size_t i = 0; i < n; ++i) {\r\n    sum += a[i] * b[i];\r\n}\r\n",
    "const add = (a, b) => a + b;\nconsole.log(`sum=${add(1, 2)}`);\n",
    "async function main() {\n  const res = await fetch('https://example.com/api?q=1&r=2');\n  return res.json();\n}\n",
    "if (x === null || x === undefined) { return; }   \n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "<div class=\"row\"><span id='x'>&nbsp;</span></div>",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}",
    "x = [i**2 for i in range(100) if i % 3 == 0]",
    "    \n    \n\n\t\n",
    "a\tb\t\tc\t\t\td",
    "end of line   \nnext line\t\n",
    "foo_bar_baz = FooBar.baz_qux(__init__, _private, __dunder__)",
    "   leading spaces and trailing spaces   ",
    "line1\n\n\nline4\n\n\n\n\nline9",
    "if a!=b&&c<=d||e>=f: pass",
    "ptr->field = (*pp)[idx++];",
    "#!/usr/bin/env bash\nset -euo pipefail\necho \"$HOME\" | tr a-z A-Z\n",
    "let x = 0x1F_FF_FF; let y = 0b1010_1010; let z = 1e-9",
]

NUMBERS = [
    "0", "7", "42", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
    "1234567890", "3.14159", "-2.5", "-1234567890", "0.000001", "1,000,000", "1.000.000,50",
    "6.022e23", "1e-9", "+49 30 1234567", "2024-06-01", "12:30:45", "$1,299.99", "99%",
    "v1.2.3", "ISBN 978-3-16-148410-0", "0xDEADBEEF", "3/4", "10^6", "x2", "a1b2c3",
    "٣٤٥", "１２３４５", "²³¹", "Ⅻ ⅻ", "½ ¾ ⅞", "𝟙𝟚𝟛", "๑๒๓",
]

CONTRACTIONS = [
    "it's", "don't", "you're", "we've", "I'm", "they'll", "she'd",
    "IT'S", "DON'T", "YOU'RE", "WE'VE", "I'M", "THEY'LL", "SHE'D",
    "It'S", "Don'T", "You'Re", "We'Ve", "They'Ll", "She'D",
    "rock 'n' roll", "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "'x 'q 'ab",
    "I’m fine, it’s ok", "O'Neil's dog's bone", "''quoted''", "'", "''", "'''", "'s", "'re",
    "let's go, y'all", "the 90's", "'123", "' hello",
]

PUNCT = [
    "!!!", "...", "?!?!", "---", "===", "***", "(((", ")))", "```", "~~~", "///", "\\\\",
    "Hello, world!", "Wait... what?!", "a.b.c", "foo--bar", "--flag=value", "-- ", " -",
    ";;\n", "{}[]()<>", "«quoted»", "“smart quotes”", "…", "—dash—", "¡Hola! ¿Qué tal?",
    "#1 @user $5 %d ^_^ &amp; *ptr", "!\n\n", "?\r\n", ".\n \n", "::=", "=>", "->", "<=>",
]

URLS = [
    "https://www.example.com/path/to/page.html?query=value&x=1#frag",
    "http://localhost:8080/api/v1/users/42",
    "ftp://files.example.org/pub/README.txt",
    "mailto:someone@example.com",
    "user.name+tag@sub.domain.co.uk",
    "/usr/local/bin/swift build -c release",
    "C:\\Users\\Admin\\Documents\\file.txt",
    "git@github.com:owner/repo.git",
    "https://例子.测试/路径?参数=值",
]

SCRIPTS = [
    "你好，世界！", "我们今天去公园散步吧。", "机器学习是人工智能的一个分支。",
    "こんにちは、世界！", "東京は日本の首都です。", "カタカナとひらがなを混ぜる",
    "안녕하세요, 세계!", "한국어 텍스트 토큰화 테스트", "ㄱㄴㄷ ㅏㅑㅓ",
    "مرحبا بالعالم", "اللغة العربية جميلة جداً", "שלום עולם",
    "नमस्ते दुनिया", "हिन्दी में लिखा गया वाक्य।", "বাংলা ভাষা", "தமிழ்",
    "สวัสดีชาวโลก", "Привет, мир!", "Съешь же ещё этих мягких французских булок",
    "Γειά σου Κόσμε", "Ελληνικά κείμενα με τόνους", "Ողջույն", "გამარჯობა", "ሰላም",
    "Tiếng Việt có dấu", "Zażółć gęślą jaźń", "Ærø Øst Åbenrå", "Straße ß ẞ", "İstanbul ıi",
    "mixed 中文 and English words", "日本語とEnglishのmix123",
]

EMOJI = [
    "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷🇯🇵🇺🇸", "🏳️‍🌈", "❤️", "1️⃣ 2️⃣ #️⃣", "👩🏻‍💻 coding",
    "I love 🍕 and 🍣!", "🔥🔥🔥", "😀😃😄😁😆", "✨ sparkles ✨", "🧑‍🤝‍🧑", "🫠🫡🪿",
    "☃", "★☆", "⚠️ warning", "→ ← ↑ ↓", "∑∫∂√∞", "©®™", "♠♥♦♣",
]

ACCENTS_NFC = ["café", "naïve", "résumé", "Ångström", "jalapeño", "crème brûlée", "Ñandú", "Żółw"]

WHITESPACE = [
    "", " ", "  ", "   ", "\n", "\n\n", "\n\n\n", "\t", "\t\t", " \n", "\n ", " \n ", "\r\n",
    "\r\n\r\n", "\r", "a  b", "a   b", "a \n b", "a\n\nb", " a", "a ", "  a  ", "\u00a0",
    "a\u00a0b", "\u3000", "全角\u3000スペース", "\u2028", "x\u2029y", "\u200b", "a\u200bb",
    "\u2003em space", "\v\f", "\x85", " \t \t ", "\t\n\t\n", "word\n\n\n\n",
]

SPECIAL_TEXT = [
    "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are helpful.<|im_end|>",
    "text<|endoftext|>more text",
    "<|endoftext|>",
    "<|im_end|><|im_end|>",
    " <|im_start|> ",
    "<|im_start",
    "im_start|>",
    "<|im_start|",
    "<<|im_start|>>",
    "<|im_start|><|im_start|>assistant",
    "a<|im_end|>b<|endoftext|>c",
    "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
    " <tool_call> ",
    "<|fim_prefix|>def f():<|fim_suffix|>\n    return 1<|fim_middle|>",
    "<|repo_name|>owner/repo\n<|file_sep|>main.py\n",
    "<repo_name>x<file_sep>y<filename>z",
    "<jupyter_code>print(1)<jupyter_output>1",
    "[PAD151665]",
    "<|unknown_token|>",
    "<|im_start|>user\n你好 😀<|im_end|>",
    "\n<|im_end|>\n",
    "a</s>b", " </s> ", "<s>x</s>", "<p>text <s>strike</s></p>",
]

# Unicode quirks: letters/digits assigned after Unicode 15.1 (llama.cpp's category tables are
# older), private use, unassigned and noncharacters, lone combining marks.
QUIRKS = [
    "\u1c89\u1c8a test", "x\ua7cb\ua7ccy", "\U000105c0\U000105c1", "\U00010d40\U00010d41",
    "\U000116d0 5", "a\u0c5cb", "\ue000\ue001", "\U0010fffd", "\ufffe\uffff", "\u0378", "\U000e0041",
    "\u0301", "\u0301abc", "a\u0301\u0302\u0303\u0304", "Z\u0351\u0352\u0353a\u0354l\u0355g\u0356o",
    "\u00ad soft hyphen", "\ufeffBOM", "\u200d", "\u202eRTL override", "\x00", "\x01\x02\x1f\x7f",
    "\u0e01\u0e34\u0e48", "\u093f\u0915", "\U0001d400\U0001d7ce", "\u2160\u2161", "\u3007", "〇一二",
]


def nfd_variants():
    out = []
    for s in ACCENTS_NFC:
        out.append(s)
        out.append(unicodedata.normalize("NFD", s))
    out.append("e\u0301 vs \u00e9")
    out.append(unicodedata.normalize("NFD", "Tiếng Việt có dấu"))
    out.append(unicodedata.normalize("NFD", "한국어"))
    return out


def random_strings(rng, pools, count):
    """Deterministic mixtures of fragments, joined with varied separators."""
    flat = [s for pool in pools for s in pool if s]
    seps = ["", " ", "  ", "\n", "\t", ", ", ". ", "\n\n", " \n", "'", "-", "_", "1", " 2 "]
    out = []
    for _ in range(count):
        n = rng.randint(1, 5)
        parts = []
        for _ in range(n):
            frag = rng.choice(flat)
            if rng.random() < 0.3 and len(frag) > 4:
                a = rng.randrange(len(frag))
                b = rng.randrange(a, len(frag) + 1)
                frag = frag[a:b]
            parts.append(frag)
            parts.append(rng.choice(seps))
        out.append("".join(parts))
    return out


def random_codepoints(rng, count):
    blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x6ff),
              (0x900, 0x97f), (0xe00, 0xe7f), (0x1100, 0x11ff), (0x2000, 0x206f), (0x2070, 0x218f),
              (0x2190, 0x23ff), (0x2460, 0x24ff), (0x3000, 0x30ff), (0x4e00, 0x9fff), (0xac00, 0xd7a3),
              (0xff00, 0xffef), (0x1f300, 0x1faff), (0x1d400, 0x1d7ff), (0x10000, 0x1007f)]
    out = []
    for _ in range(count):
        n = rng.randint(1, 12)
        chars = []
        for _ in range(n):
            lo, hi = rng.choice(blocks)
            cp = rng.randint(lo, hi)
            if 0xd800 <= cp <= 0xdfff:
                continue
            chars.append(chr(cp))
        out.append("".join(chars))
    return out


def corpus():
    rng = random.Random(20240601)
    fixed = CODE + NUMBERS + CONTRACTIONS + PUNCT + URLS + SCRIPTS + EMOJI + nfd_variants() + WHITESPACE \
        + SPECIAL_TEXT + QUIRKS
    # numbers of every length 1...30, with and without a leading space or sign
    digits = "".join(str((i * 7 + 3) % 10) for i in range(30))
    fixed += [digits[:n] for n in range(1, 31)]
    fixed += [" " + digits[:n] for n in (1, 2, 3, 4, 7, 11)]
    fixed += ["-" + digits[:n] + "." + digits[n:2 * n] for n in (1, 2, 3, 5)]
    # runs of spaces and newlines of many lengths, alone and between words
    fixed += [" " * n for n in (4, 5, 8, 16, 33)]
    fixed += ["x" + " " * n + "y" for n in range(1, 9)]
    fixed += ["x" + "\n" * n + "y" for n in range(1, 6)]
    fixed += ["x" + " " * n for n in range(1, 5)]
    fixed += ["\n" * n + "x" for n in range(1, 4)]
    pools = [CODE, NUMBERS, CONTRACTIONS, PUNCT, URLS, SCRIPTS, EMOJI, ACCENTS_NFC, WHITESPACE, QUIRKS]
    mixed = random_strings(rng, pools, 330)
    cps = random_codepoints(rng, 80)
    # a longer document: all code snippets concatenated
    long_doc = ["".join(CODE), "\n".join(SCRIPTS) + "\n" + " ".join(EMOJI)]
    seen, out = set(), []
    for s in fixed + mixed + cps + long_doc:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


# --------------------------------------------------------------------------------------------
# Chat templates
# --------------------------------------------------------------------------------------------

CONVERSATIONS = [
    [("user", "Hello!")],
    [("system", "You are a terse assistant."), ("user", "Write a haiku about Swift.")],
    [("user", "What is 2+2?"), ("assistant", "4"), ("user", "And 3+3?")],
    [("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello."), ("user", "Bye")],
    [("user", "Line one\nLine two\n\n  indented\ttab"), ("assistant", "")],
    [("user", "Unicode: 你好 😀 café"), ("assistant", "Sure: 안녕 👍🏽")],
    [("user", "first"), ("system", "a late system message"), ("user", "second")],
    [("user", "Fix this code:\n```python\ndef f(x):\n    return x +\n```")],
]


def render_chat(template, messages, add_generation_prompt):
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
    t = env.from_string(template)
    msgs = [{"role": r, "content": c} for r, c in messages]
    return t.render(messages=msgs, add_generation_prompt=add_generation_prompt, tools=None)


# --------------------------------------------------------------------------------------------


def gguf_tokenizer_metadata(path):
    import gguf
    r = gguf.GGUFReader(path)
    get = lambda k: r.fields[k].contents() if k in r.fields else None
    return {k: get(k) for k in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type",
                                "tokenizer.ggml.pre", "tokenizer.chat_template")}


def detokenize(llm, ids):
    """llama_detokenize with a large enough buffer (Llama.detokenize truncates pieces over 32 bytes)."""
    import ctypes
    import llama_cpp
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    size = 64 * len(ids) + 64
    buf = ctypes.create_string_buffer(size)
    n = llama_cpp.llama_detokenize(vocab, arr, len(ids), buf, size, False, True)
    assert n >= 0
    return buf.raw[:n]


def with_pre_tokenizer(src, dst, pre):
    """Copies the metadata (no tensors) of GGUF `src` to `dst` with `tokenizer.ggml.pre` = `pre`, so that
    llama.cpp's other pre-tokenizers can be checked on a real vocabulary (vocab-only loads need no tensors)."""
    import gguf
    r = gguf.GGUFReader(src)
    w = gguf.GGUFWriter(dst, r.fields["general.architecture"].contents())
    for name, f in r.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        value = pre if name == "tokenizer.ggml.pre" else f.contents()
        if f.types[0] == gguf.GGUFValueType.ARRAY:
            w.add_key_value(name, value, f.types[0], sub_type=f.types[-1])
        else:
            w.add_key_value(name, value, f.types[0])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def vocab_facts(llm):
    """BOS, EOS and the end-of-generation ids llama.cpp derives for a vocabulary."""
    import llama_cpp
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n = llama_cpp.llama_vocab_n_tokens(vocab)
    eog = [i for i in range(n) if llama_cpp.llama_vocab_is_eog(vocab, i)]
    return {"n_tokens": n, "bos": llama_cpp.llama_vocab_bos(vocab), "eos": llama_cpp.llama_vocab_eos(vocab), "eog": eog}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.expanduser("~/.cache/augur/models"))
    ap.add_argument("--out", default="Tests/AugurTokenizerTests/Fixtures")
    args = ap.parse_args()
    import llama_cpp

    paths = {k: os.path.join(args.models, v + ".gguf") for k, v in MODELS.items()}
    meta = {k: gguf_tokenizer_metadata(p) for k, p in paths.items()}
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type", "tokenizer.ggml.pre"):
        assert meta["qwen"][key] == meta["qwen-draft"][key], f"Qwen 1.5B and 0.5B differ in {key}"
    print("Qwen 1.5B and 0.5B share tokens, merges, token types and pre-tokenizer")

    strings = corpus()
    special_idx = [i for i, s in enumerate(strings) if "<" in s or "[" in s or i % 10 == 0]
    print(f"{len(strings)} strings, {len(special_idx)} also with special=True")

    vocabs = {}
    for key in ("qwen", "qwen-draft", "smol"):
        llm = llama_cpp.Llama(model_path=paths[key], vocab_only=True, verbose=False)
        plain = [llm.tokenize(s.encode("utf-8"), add_bos=False, special=False) for s in strings]
        special = [llm.tokenize(strings[i].encode("utf-8"), add_bos=False, special=True) for i in special_idx]
        for ids, s in zip(plain, strings):  # llama.cpp's own round trip, as a sanity check
            assert detokenize(llm, ids) == s.encode("utf-8"), repr(s)
        vocabs[key] = {"plain": plain, "special": special, **vocab_facts(llm)}
        del llm
    assert vocabs["qwen"] == vocabs["qwen-draft"], "Qwen 1.5B and 0.5B tokenize differently"
    del vocabs["qwen-draft"]

    # The SmolLM2 vocabulary under llama.cpp's "llama-bpe" and "gpt-2" pre-tokenizers (plain mode only).
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for pre, key in (("llama-bpe", "smol-llama-bpe"), ("gpt-2", "smol-gpt-2")):
            dst = os.path.join(tmp, key + ".gguf")
            with_pre_tokenizer(paths["smol"], dst, pre)
            llm = llama_cpp.Llama(model_path=dst, vocab_only=True, verbose=False)
            plain = [llm.tokenize(s.encode("utf-8"), add_bos=False, special=False) for s in strings]
            vocabs[key] = {"plain": plain, "special": [], **vocab_facts(llm)}
            del llm

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tokenizer-fixtures.json"), "w", encoding="utf-8") as f:
        json.dump({"strings": strings, "special_indices": special_idx, "vocabs": vocabs}, f,
                  ensure_ascii=False, separators=(",", ":"))

    chats = []
    for key in ("qwen", "qwen-draft", "smol"):
        template = meta[key]["tokenizer.chat_template"]
        for conv in CONVERSATIONS:
            for gen in (True, False):
                chats.append({"model": MODELS[key], "messages": [list(m) for m in conv],
                              "add_generation_prompt": gen, "expected": render_chat(template, conv, gen)})
    with open(os.path.join(args.out, "chat-template-fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(chats, f, ensure_ascii=False, indent=0)
    print(f"{len(chats)} chat renderings")


if __name__ == "__main__":
    sys.exit(main())
