#!/usr/bin/env bash
# Builds the MLLP frame decoder libFuzzer harness with ASan and runs it: Fuzz/MLLPFuzz/run.sh [RUNS] [MAX_LEN]
# Seeds: a few framed messages. New corpus entries and crash artifacts go to $FUZZ_DIR (default /tmp/mllpfuzz).
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${1:-1000000}"
MAX_LEN="${2:-1024}"
SCRATCH="${FUZZ_SCRATCH:-../../.build-fuzz-mllp}"
FUZZ_DIR="${FUZZ_DIR:-/tmp/mllpfuzz}"
# SwiftPM links an executable target's entry point as `MLLPFuzz_main`; the harness defines it and hands
# over to libFuzzer's driver, so -parse-as-library is needed (no top-level code, no Swift `main`).
swift build -c release --scratch-path "$SCRATCH" -j 2 --product MLLPFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
mkdir -p "$FUZZ_DIR/corpus" "$FUZZ_DIR/artifacts"
# Seeds: byte 0 = maximum frame size - 1, byte 1 = split seed, then the stream.
printf '\xff\x07\x0bMSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.5\rPID|1\r\x1c\r' > "$FUZZ_DIR/corpus/seed-one"
printf '\x20\x03junk\x0bMSH|a\x1c\r\r\n\x0bMSH|b\x1c\x0bMSH|c\x1c\rtail' > "$FUZZ_DIR/corpus/seed-junk"
printf '\x04\x01\x0b0123456789\x1c\r' > "$FUZZ_DIR/corpus/seed-oversized"
"$SCRATCH/release/MLLPFuzz" "$FUZZ_DIR/corpus" -runs="$RUNS" -max_len="$MAX_LEN" \
  -artifact_prefix="$FUZZ_DIR/artifacts/" -print_final_stats=1
