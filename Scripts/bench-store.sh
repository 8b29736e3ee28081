#!/usr/bin/env bash
# Store micro benchmark: durable receives (journal entry + one queue entry, WAL, synchronous=FULL)
# from WRITERS concurrent tasks, group commit on and then off, in the same run and folder kind.
#
#   Scripts/bench-store.sh [COUNT] [WRITERS]            (defaults: 10000 receives, 8 writers)
#
# Set STORE_BENCH_DIR to put the databases on another file system (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-10000}"
WRITERS="${2:-8}"
SCRATCH="${STORE_BENCH_SCRATCH:-.build-store}"
TMP="$(mktemp -d "${STORE_BENCH_DIR:-${TMPDIR:-/tmp}}/isthmus-store-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product isthmus-store-writer >&2
BIN="$SCRATCH/release/isthmus-store-writer"

mkdir -p "$TMP/on" "$TMP/many" "$TMP/off"
"$BIN" bench "$TMP/on" "$WRITERS" "$COUNT"
mkdir -p "$TMP/nowait"
"$BIN" bench "$TMP/nowait" "$WRITERS" "$COUNT" --no-wait
# Many connections (e.g. 64 MLLP senders): bigger batches, fewer fsyncs per message.
"$BIN" bench "$TMP/many" 64 "$COUNT" --claim 32
# Without group commit every receive is its own fsync: a tenth of the messages is enough to see it.
"$BIN" bench "$TMP/off" "$WRITERS" "$((COUNT / 10))" --no-group-commit
