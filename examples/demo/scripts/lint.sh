#!/usr/bin/env bash
# "Lints" the sources: no line may end with a space.
set -euo pipefail
if grep -n ' $' "${1:?source directory}"/*.txt; then
  echo "trailing spaces" >&2
  exit 1
fi
sleep 1
echo "lint ok"
