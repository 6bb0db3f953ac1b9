#!/usr/bin/env bash
# Builds Augur in release mode, pulls the three known models into the cache (skipped when already
# cached), and runs the whole test suite. Kernels are far too slow in debug builds for real-model
# tests, so the suite runs in release mode with testing enabled. Extra arguments go to `swift test`
# (e.g. `scripts/test.sh --filter AugurTokenizerTests`); AUGUR_SKIP_PULL=1 skips the pulls.
set -euo pipefail
cd "$(dirname "$0")/.."
# A build folder of its own: a plain `swift run -c release` (no -enable-testing) then does not rebuild.
flags=(-c release -Xswiftc -enable-testing --scratch-path .build-test)
swift build "${flags[@]}" --build-tests
if [ "${AUGUR_SKIP_PULL:-0}" != 1 ]; then
    .build-test/release/augur pull smollm2-135m-instruct qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test "${flags[@]}" --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
# The openai-client integration test of `augur serve` (venv under ~/.cache/augur) on a full run;
# AUGUR_SKIP_SERVER_IT=1 skips it. Its own "N passed, M failed" line comes before the summary below.
if [ $# -eq 0 ] && [ "${AUGUR_SKIP_SERVER_IT:-0}" != 1 ]; then
    scripts/server-openai-test.sh .build-test/release/augur || status=1
fi
# One plain closing line from XCTest's overall summary ("Executed N tests, with S tests skipped and F failures").
summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?, with' "$log" | tail -1 || true)
if [ -n "$summary" ]; then
    total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    failed=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$summary")
    skipped=$(grep -oE '[0-9]+ tests? skipped' <<<"$summary" | grep -oE '^[0-9]+' || echo 0)
    echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
