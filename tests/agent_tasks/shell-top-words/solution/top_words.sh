#!/usr/bin/env bash
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: top_words.sh FILE (no such file: ${1:-})" >&2
  exit 1
fi
tr -cs 'A-Za-z' '\n' < "$1" | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c |
  sort -k1,1nr -k2,2 | head -n 3 | awk '{print $1, $2}'
