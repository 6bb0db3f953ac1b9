#!/usr/bin/env bash
# Integration test of `augur serve` with the official `openai` Python client: chat, completion,
# streaming, raw-HTTP error cases, and a bounded load test (8 clients x 5 requests) on loopback.
# Usage: scripts/server-openai-test.sh [path/to/augur]   (default: builds .build-server/release/augur)
# The client lives in a venv at ~/.cache/augur/venv-openai (created on first use; never the system's).
# Environment: AUGUR_SERVER_MODEL (default smollm2-135m-instruct), AUGUR_SERVER_SLOTS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
augur=${1:-}
if [ -z "$augur" ]; then
    swift build -c release --scratch-path .build-server --product augur
    augur=.build-server/release/augur
fi
venv="$HOME/.cache/augur/venv-openai"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import openai' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'openai>=1.40,<3'
fi
exec "$venv/bin/python" scripts/server-openai-test.py "$augur"
