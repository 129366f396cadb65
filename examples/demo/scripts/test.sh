#!/usr/bin/env bash
# "Tests" one shard: checks every Nth line of the built artifact (restored from the build step).
set -euo pipefail
file=${1:?artifact} shard=${2:?shard} shards=${3:?shards}
test -f "$file" || { echo "artifact $file missing" >&2; exit 1; }
awk -v s="$shard" -v n="$shards" 'NR % n == s % n { if ($0 == "") exit 1; count++ } END { print "shard " s "/" n ": " count " line(s) ok" }' "$file"
sleep 1
