#!/usr/bin/env bash
# Modality Worklist query benchmark of the store: COUNT items (default 100000), then 1000 queries
# by scheduled station AE and a 1-day and a 2-day SPS start date range (SCHEDULED only), data sets
# decoded as a C-FIND SCP gets them. Prints p50/p99 in milliseconds. Release build.
#
#   Scripts/bench-worklist.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
SCRATCH="${STORE_BENCH_SCRATCH:-.build-store}"
TMP="$(mktemp -d "${STORE_BENCH_DIR:-${TMPDIR:-/tmp}}/isthmus-worklist-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product isthmus-store-writer >&2
"$SCRATCH/release/isthmus-store-writer" worklist "$TMP" "$COUNT"
