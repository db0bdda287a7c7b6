#!/usr/bin/env bash
# The main job: the whole pipeline on the bundled synthetic cohort.
# With an Ollama server answering at OLLAMA_HOST (default 127.0.0.1:11434) it
# uses that server and PHENORAG_MODEL. Without one it says so, then builds a
# private Ollama server from the Go module proxy and runs the same pipeline
# against a tiny test model, whose answers are meaningless.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/out/demo}
host=${OLLAMA_HOST:-127.0.0.1:11434}
host=${host#http://}; host=${host%/}
hostname=${host%:*} port=${host##*:}

if (exec 3<>"/dev/tcp/$hostname/$port") 2>/dev/null; then
  exec "$root/bin/phenorag" demo --out "$out"
fi

echo "demo: no Ollama server answers at $host; using a private server with the tiny" >&2
echo "demo: test model instead (its labels are meaningless). For real answers run" >&2
echo "demo: 'ollama serve' and 'ollama pull qwen2.5:7b-instruct', then 'make demo' again." >&2
model=${PHENORAG_TEST_MODEL:-$root/../shared/models/stories260K.gguf}
if [ ! -f "$model" ]; then
  echo "demo: the tiny test model is not at $model; set PHENORAG_TEST_MODEL to a .gguf file" >&2
  exit 1
fi
"$root/scripts/ollama-build.sh"
exec "$root/scripts/demo-offline.sh" "$root/.cache/ollama/bin/ollama" "$model" "$out"
