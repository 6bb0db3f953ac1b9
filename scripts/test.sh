#!/usr/bin/env bash
# Builds Augur in release mode, pulls the three known models into the cache (skipped when already
# cached and verified), and runs the whole test suite. Kernels are far too slow in debug builds for
# real-model tests, so the suite runs in release mode with testing enabled.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
if [ "${AUGUR_SKIP_PULL:-0}" != 1 ]; then
    .build/release/augur pull smollm2-135m-instruct qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct
fi
swift test "${flags[@]}" --skip-build "$@"
