#!/usr/bin/env bash
# Builds a real Ollama server from the Go module proxy into $OLLAMA_BIN_DIR
# (default .cache/ollama/bin), for integration tests and the offline demo.
# Idempotent: an existing binary of the pinned version is kept.
set -euo pipefail

version=${OLLAMA_VERSION:-v0.17.4}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${OLLAMA_BIN_DIR:-$root/.cache/ollama/bin}
inc=${OLLAMA_INC_DIR:-$root/.cache/ollama/include}

if [ -x "$bin/ollama" ] && [ -f "$bin/.version" ] && [ "$(cat "$bin/.version")" = "$version" ]; then
  echo "ollama $version already built at $bin/ollama" >&2
  exit 0
fi

# Headers the module zip leaves out of its vendored llama.cpp.
if ! [ -f /usr/include/nlohmann/json.hpp ] || ! [ -f /usr/include/stb/stb_image.h ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nlohmann-json3-dev libstb-dev >&2
  else
    echo "ollama-build: install nlohmann-json3-dev and libstb-dev first" >&2
    exit 1
  fi
fi

# miniaudio.h is not packaged by Debian; the malgo module carries the same header.
mkdir -p "$inc/miniaudio" "$bin"
malgo=$(cd "$root" && go mod download -json github.com/gen2brain/malgo@v0.11.24 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp "$malgo/miniaudio.h" "$inc/miniaudio/miniaudio.h"

echo "building ollama $version (about 10 minutes on 2 cores the first time)" >&2
tmp=$(mktemp -d)
(cd "$tmp" && CGO_CPPFLAGS="-I$inc" GOBIN="$bin" GOFLAGS= go install "github.com/ollama/ollama@$version")
rm -rf "$tmp"
echo "$version" > "$bin/.version"
echo "built $bin/ollama" >&2
