#!/usr/bin/env bash
# Builds the PDU decoder libFuzzer harness with ASan and runs it: Fuzz/PDUFuzz/run.sh [RUNS] [MAX_LEN]
# Seeds: the annotated PDU fixtures of the tests (written by the harness itself, PDUFUZZ_SEEDS=DIR).
# New corpus entries and crash artifacts go to $FUZZ_DIR (default /tmp/pdufuzz).
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-1000000}"
MAX_LEN="${2:-4096}"
SCRATCH="${FUZZ_SCRATCH:-../../.build-fuzz-pdu}"
FUZZ_DIR="${FUZZ_DIR:-/tmp/pdufuzz}"
# SwiftPM links an executable target's entry point as `PDUFuzz_main`; the harness defines it and hands
# over to libFuzzer's driver, so -parse-as-library is needed (no top-level code, no Swift `main`).
swift build -c release --scratch-path "$SCRATCH" -j 2 --product PDUFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
mkdir -p "$FUZZ_DIR/corpus" "$FUZZ_DIR/artifacts"
PDUFUZZ_SEEDS="$FUZZ_DIR/corpus" "$SCRATCH/release/PDUFuzz"
"$SCRATCH/release/PDUFuzz" "$FUZZ_DIR/corpus" -runs="$RUNS" -max_len="$MAX_LEN" \
  -artifact_prefix="$FUZZ_DIR/artifacts/" -print_final_stats=1
