#!/usr/bin/env bash
# Modality Worklist C-FIND latency over the network, Isthmus against DCMTK wlmscpfs, in one run:
# COUNT worklist items (default 100000; 50 stations, 28 days, 3 of 5 SCHEDULED) go into the store of an
# `isthmus serve` data directory, with a patient record for each of their (up to 20,000) patients as an ADT
# update leaves it, and, the same data sets, into COUNT .wl files for wlmscpfs (isthmus-store-writer
# worklist-load). Then the same client — `isthmus dicom bench-worklist-find` (hidden), or with CLIENT=pynetdicom
# Scripts/bench-worklist-cfind.py; one association, per-query time from request to last response — asks each
# server by scheduled station AE + a 1-day SPS start date range + SPS status SCHEDULED: ISTHMUS_QUERIES (1000)
# queries to `isthmus serve` (release build), WLM_QUERIES (20) to wlmscpfs (which reads every file on every
# query). Prints p50/p99 of both, the ratio, and the load average before and after each client.
#
#   Scripts/bench-worklist-cfind.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
ISTHMUS_QUERIES="${ISTHMUS_QUERIES:-1000}"
WLM_QUERIES="${WLM_QUERIES:-20}"
SCRATCH="${BENCH_SCRATCH:-.build-wlbench}"
TMP="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/isthmus-wl-cfind.XXXXXX")"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

swift build -c release --scratch-path "$SCRATCH" --product isthmus-store-writer >&2
swift build -c release --scratch-path "$SCRATCH" --product isthmus >&2
BIN="$SCRATCH/release"

mkdir -p "$TMP/data" "$TMP/wl/WLMSCP"
touch "$TMP/wl/WLMSCP/lockfile"
"$BIN/isthmus-store-writer" worklist-load "$TMP/data" "$COUNT" "$TMP/wl/WLMSCP"

"$BIN/isthmus" serve --data "$TMP/data" --mllp-port 0 --dicom-port 0 --host 127.0.0.1 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q '^isthmus: listening ' "$TMP/serve.out" && break; sleep 0.1; done
ISTHMUS_PORT="$(grep '^isthmus: listening ' "$TMP/serve.out" | tr ' ' '\n' | sed -n 's/^dicom=\([0-9]*\).*/\1/p' | head -1)"
[ -n "$ISTHMUS_PORT" ] || { cat "$TMP/serve.out" "$TMP/serve.err" >&2; exit 1; }

WLM_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
wlmscpfs -dfp "$TMP/wl" "$WLM_PORT" >"$TMP/wlm.out" 2>&1 &
PIDS+=($!)
sleep 1

client() { # NAME PORT CALLED_AE QUERIES
    if [ "${CLIENT:-isthmus}" = pynetdicom ]; then python3 Scripts/bench-worklist-cfind.py "$1" 127.0.0.1 "$2" "$3" "$4"
    else "$BIN/isthmus" dicom bench-worklist-find --name "$1" --queries "$4" "$3@127.0.0.1:$2"; fi
}
load() { echo "load average $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }
load "before isthmus"
client isthmus "$ISTHMUS_PORT" ISTHMUS "$ISTHMUS_QUERIES" | tee "$TMP/isthmus.txt"
load "after isthmus"
client wlmscpfs "$WLM_PORT" WLMSCP "$WLM_QUERIES" | tee "$TMP/wlm.txt"
load "after wlmscpfs"
read -r _ _ I50 I99 < <(grep '^RESULT' "$TMP/isthmus.txt")
read -r _ _ W50 W99 < <(grep '^RESULT' "$TMP/wlm.txt")
python3 -c "import sys; i50,i99,w50,w99=map(float,sys.argv[1:]); print('wlmscpfs / isthmus: p50 %.0fx, p99 %.0fx (%d items)' % (w50/i50, w99/i99, $COUNT))" "$I50" "$I99" "$W50" "$W99"
