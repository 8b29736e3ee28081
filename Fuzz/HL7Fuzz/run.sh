#!/usr/bin/env bash
# Builds the HL7 libFuzzer harness with ASan and runs it: Fuzz/HL7Fuzz/run.sh [RUNS] [MAX_LEN]
# Seeds: the HL7 test fixtures. New corpus entries and crash artifacts go to $FUZZ_DIR (default /tmp/hl7fuzz).
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-1000000}"
MAX_LEN="${2:-2048}"
SCRATCH="${FUZZ_SCRATCH:-/work/main/.build-fuzz-hl7}"
FUZZ_DIR="${FUZZ_DIR:-/tmp/hl7fuzz}"
# SwiftPM links an executable target's entry point as `HL7Fuzz_main`; the harness defines it and hands
# over to libFuzzer's driver, so -parse-as-library is needed (no top-level code, no Swift `main`).
swift build -c release --scratch-path "$SCRATCH" -j 2 \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
mkdir -p "$FUZZ_DIR/corpus" "$FUZZ_DIR/artifacts"
cp ../../Tests/HL7Tests/Fixtures/*.hl7 ../../Tests/HL7Tests/Fixtures/*.txt ../../Tests/HL7Tests/Fixtures/malformed/* "$FUZZ_DIR/corpus/"
"$SCRATCH/release/HL7Fuzz" "$FUZZ_DIR/corpus" -runs="$RUNS" -max_len="$MAX_LEN" \
  -artifact_prefix="$FUZZ_DIR/artifacts/" -print_final_stats=1
