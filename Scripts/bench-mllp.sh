#!/usr/bin/env bash
# MLLP round-trip benchmark (send → ACK, no storage) on loopback, with python-hl7 peers in the same run.
#   Scripts/bench-mllp.sh [MESSAGES] [RUNS]      (defaults: 20000 messages, 3 runs; the median is reported)
# Measures, for 1 and 8 connections:
#   isthmus → isthmus   in-process listener (`isthmus hl7 bench-mllp`)
#   isthmus → isthmus   `isthmus hl7 listen --quiet` in its own process
#   python  → isthmus   python-hl7 asyncio client against that listener
#   isthmus → python    against python-hl7's asyncio server (Scripts/mllp-ack-server.py)
#   python  → python
# and prints the ratios isthmus/python for the client side and for the server side.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${1:-20000}"
RUNS="${2:-3}"
SCRATCH="${SCRATCH:-.build-mllp-release}"
swift build -c release --scratch-path "$SCRATCH" --product isthmus >&2
BIN="$SCRATCH/release/isthmus"
PEER_MESSAGES=$(( MESSAGES / 4 ))   # the python client is slower; fewer messages keep the run short

LISTENER_LOG=$(mktemp); PY_LOG=$(mktemp)
"$BIN" hl7 listen 0 --quiet 2>"$LISTENER_LOG" & LISTENER=$!
python3 Scripts/mllp-ack-server.py 0 >"$PY_LOG" & PYSERVER=$!
trap 'kill $LISTENER $PYSERVER 2>/dev/null; rm -f "$LISTENER_LOG" "$PY_LOG"' EXIT
for _ in $(seq 100); do
  grep -q listening "$LISTENER_LOG" && grep -q listening "$PY_LOG" && break
  sleep 0.1
done
IPORT=$(sed -n 's/.*listening for MLLP on .*:\([0-9]*\)$/\1/p' "$LISTENER_LOG")
PPORT=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$PY_LOG")

# median of RUNS runs of a command printing JSON lines {connections, messagesPerSecond, p50ms, p99ms}
median() {
  local label=$1; shift
  for _ in $(seq "$RUNS"); do "$@"; done | python3 -c '
import json, sys, statistics
label = sys.argv[1]
rows = {}
for line in sys.stdin:
    r = json.loads(line)
    rows.setdefault(r["connections"], []).append(r)
for c, rs in sorted(rows.items()):
    rate = statistics.median(r["messagesPerSecond"] for r in rs)
    p50 = statistics.median(r["p50ms"] for r in rs)
    p99 = statistics.median(r["p99ms"] for r in rs)
    print(json.dumps({"label": label, "connections": c, "messagesPerSecond": rate, "p50ms": p50, "p99ms": p99}))
' "$label"
}

RESULTS=$(mktemp)
{
  median "isthmus->isthmus(in-process)" "$BIN" hl7 bench-mllp --messages "$MESSAGES" --connections 1,8 --json
  median "isthmus->isthmus" "$BIN" hl7 bench-mllp --messages "$MESSAGES" --connections 1,8 --json --target "127.0.0.1:$IPORT"
  median "python->isthmus" sh -c "python3 Scripts/bench-mllp-client.py 127.0.0.1 $IPORT $PEER_MESSAGES 1; python3 Scripts/bench-mllp-client.py 127.0.0.1 $IPORT $PEER_MESSAGES 8"
  median "isthmus->python" "$BIN" hl7 bench-mllp --messages "$PEER_MESSAGES" --connections 1,8 --json --target "127.0.0.1:$PPORT"
  median "python->python" sh -c "python3 Scripts/bench-mllp-client.py 127.0.0.1 $PPORT $PEER_MESSAGES 1; python3 Scripts/bench-mllp-client.py 127.0.0.1 $PPORT $PEER_MESSAGES 8"
} > "$RESULTS"
python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["label"], r["connections"]): r for r in rows}
print(f"{'pair':32} {'conns':>5} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
for r in rows:
    print(f"{r['label']:32} {r['connections']:>5} {r['messagesPerSecond']:>9.0f} {r['p50ms']:>8.3f} {r['p99ms']:>8.3f}")
for c in (1, 8):
    def rate(k): return by[(k, c)]["messagesPerSecond"]
    print(f"{c} conn: client isthmus/python against the isthmus listener = {rate('isthmus->isthmus') / rate('python->isthmus'):.1f}x; "
          f"server isthmus/python with the isthmus client = {rate('isthmus->isthmus') / rate('isthmus->python'):.1f}x")
PY
rm -f "$RESULTS"
