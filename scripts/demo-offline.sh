#!/usr/bin/env bash
# Runs the demo against a private Ollama server serving the tiny test model.
# Usage: scripts/demo-offline.sh OLLAMA_BIN MODEL_GGUF OUT_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$1 gguf=$2 out=$3
state=$(mktemp -d)
trap 'kill "$(cat "$state/ollama.pid")" 2>/dev/null || true; rm -rf "$state"' EXIT

url=$("$root/scripts/ollama-serve.sh" "$bin" "$gguf" "$state")
echo "demo: private Ollama at $url, model stories (tiny test model)" >&2
"$root/bin/phenorag" demo --out "$out" --ollama "$url" --model stories \
  --num-thread 1 --num-predict 160 --num-ctx 2048 --bytes-per-token 1.5
