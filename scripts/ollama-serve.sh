#!/usr/bin/env bash
# Starts a private Ollama server on a free loopback port with its own model
# folder, loads the tiny test model as "stories", and prints the server's URL.
# Usage: scripts/ollama-serve.sh OLLAMA_BIN MODEL_GGUF STATE_DIR
# The server's pid is written to STATE_DIR/ollama.pid and its log to
# STATE_DIR/ollama.log; stop it with: kill "$(cat STATE_DIR/ollama.pid)".
set -euo pipefail
bin=$1 gguf=$2 state=$3
mkdir -p "$state/models"
state=$(cd "$state" && pwd)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))
host=127.0.0.1:$port

OLLAMA_HOST=$host OLLAMA_MODELS=$state/models OLLAMA_NUM_PARALLEL=2 \
  nohup "$bin" serve > "$state/ollama.log" 2>&1 &
echo $! > "$state/ollama.pid"

for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then break; fi
  sleep 0.2
done

printf 'FROM %s\nTEMPLATE """{{ .Prompt }}"""\n' "$(cd "$(dirname "$gguf")" && pwd)/$(basename "$gguf")" \
  > "$state/Modelfile"
OLLAMA_HOST=$host "$bin" create stories -f "$state/Modelfile" >> "$state/ollama.log" 2>&1
echo "http://$host"
