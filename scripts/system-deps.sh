#!/usr/bin/env bash
# Installs the Debian packages that some tests need (scripts/system-packages.txt: "<package> <command>" a line).
# As root it installs what is missing with apt-get; otherwise it names the missing packages and fails.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
while read -r package command _; do
  [[ -z "${package:-}" || "$package" == \#* ]] && continue
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done < system-packages.txt

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "missing Debian packages for the tests: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
