#!/usr/bin/env bash
# "Builds" the app: concatenates the sources into one file under the given directory.
set -euo pipefail
out=${1:?output directory}
mkdir -p "$out"
cat src/*.txt > "$out/app.txt"
sleep 1
echo "built $out/app.txt ($(wc -l < "$out/app.txt") lines)"
