#!/usr/bin/env bash
# Engine benchmark: HL7 over MLLP in → `isthmus serve` (journal + queue entry, durable group commit, AA after
# the commit) → delivery worker → MLLP out to a listener, on loopback.
#   Scripts/bench-engine.sh [MESSAGES] [CONNECTIONS]      (defaults: 20000 messages, 8 connections)
#   SERVE_ARGS="--group-commit-wait-us 500" Scripts/bench-engine.sh   (extra `serve` options: here the commit delay)
#   BIN=… SERVE_BIN=other/isthmus Scripts/bench-engine.sh   (another build's `serve`, same sender and destination)
#   RUNS=5 Scripts/bench-engine.sh   (five runs in a row, then the median of each figure)
# The destination is the project's own `isthmus hl7 listen` (AA for every parseable message, one line per
# message on stdout, nothing written to disk: the engine's durability is measured, not the destination's).
# The sender is `isthmus hl7 bench-mllp --unique-ids`: every message has its own control ID, so none takes
# the duplicate path. Prints messages/s in (AA received), p50/p99 ACK latency, and the time until the
# destination has received every message (end-to-end msg/s), then checks the journal.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${1:-20000}"
CONNECTIONS="${2:-8}"
SCRATCH="${SCRATCH:-.build-bench-release}"
if [ -z "${BIN:-}" ]; then   # BIN=path/to/isthmus: use that build
  swift build -c release --scratch-path "$SCRATCH" --product isthmus >&2
  BIN="$SCRATCH/release/isthmus"
fi

SERVE_BIN="${SERVE_BIN:-$BIN}"   # SERVE_BIN=other/isthmus: that build's `serve` (A/B), same sender and destination

# RUNS=N: N runs one after the other, each printed, then the median of each figure (one run on a shared machine
# says little: the same build moves by ±15 % from one run to the next).
if [ "${RUNS:-1}" -gt 1 ]; then
  ALL=$(mktemp)
  for i in $(seq "$RUNS"); do
    echo "== run $i of $RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    RUNS=1 BIN="$BIN" SERVE_BIN="$SERVE_BIN" "$0" "$MESSAGES" "$CONNECTIONS" | tee -a "$ALL"
  done
  python3 - "$ALL" "$RUNS" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
def col(pattern):
    return [float(x) for x in re.findall(pattern, text)]
rows = [("msg/s in", r"(\d+) msg/s, ACK"), ("ACK p50 ms", r"ACK p50 ([\d.]+) ms"), ("ACK p99 ms", r"p99 ([\d.]+) ms"),
        ("end to end msg/s", r"end to end (\d+) msg/s"), ("serve µs/msg", r"(\d+) µs per message \(in"),
        ("all three µs/msg", r"all three processes (\d+) µs")]
print(f"== median of {sys.argv[2]} runs")
for name, pattern in rows:
    values = col(pattern)
    if values:
        shown = ", ".join(f"{v:g}" for v in values)
        print(f"{name:18} {statistics.median(values):>8g}   (runs: {shown})")
PY
  rm -f "$ALL"
  exit 0
fi

WORK=$(mktemp -d)
DEST=""; SERVE=""
cleanup() {
  [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null || true
  [ -n "$DEST" ] && kill "$DEST" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" hl7 listen 0 --idle-timeout 3600 >"$WORK/received.txt" 2>"$WORK/destination.log" & DEST=$!
for _ in $(seq 100); do grep -qs listening "$WORK/destination.log" && break; sleep 0.1; done
DPORT=$(sed -n 's/.*listening for MLLP on .*:\([0-9]*\)$/\1/p' "$WORK/destination.log")

cat >"$WORK/isthmus.yaml" <<EOF
listeners:
  mllp: [ { name: in, host: 127.0.0.1, port: 0 } ]
  dicom: [ { name: scp, ae-title: ISTHMUS, host: 127.0.0.1, port: 0 } ]
peers:
  mllp: [ { name: destination, host: 127.0.0.1, port: $DPORT } ]
channels:
  - name: all
    source: in
    destinations: [ { mllp: destination } ]
EOF
# shellcheck disable=SC2086
"$SERVE_BIN" serve --config "$WORK/isthmus.yaml" --data "$WORK/data" --log-level info ${SERVE_ARGS:-} >"$WORK/serve.log" 2>&1 & SERVE=$!
for _ in $(seq 300); do grep -qs "isthmus: listening" "$WORK/serve.log" && break; sleep 0.1; done
PORT=$(sed -n 's/^isthmus: listening mllp=\([0-9]*\).*/\1/p' "$WORK/serve.log")
[ -n "$PORT" ] || { cat "$WORK/serve.log" >&2; exit 1; }

# Every message the destination must get: the measured ones and one warm-up message per connection.
TOTAL=$(( MESSAGES / CONNECTIONS * CONNECTIONS + CONNECTIONS ))
START=$(date +%s.%N)
TIMER=(); [ -x /usr/bin/time ] && TIMER=(/usr/bin/time -f "%U %S" -o "$WORK/sender.time")
"${TIMER[@]}" "$BIN" hl7 bench-mllp --target "127.0.0.1:$PORT" --messages "$MESSAGES" --connections "$CONNECTIONS" \
  --unique-ids "B$$" --json >"$WORK/in.json"
IN_END=$(date +%s.%N)
for _ in $(seq 6000); do   # up to 10 minutes
  [ "$(wc -l <"$WORK/received.txt")" -ge "$TOTAL" ] && break
  sleep 0.05
done
END=$(date +%s.%N)
RECEIVED=$(wc -l <"$WORK/received.txt")
UNIQUE=$(cut -f1 "$WORK/received.txt" | sort -u | wc -l)
# CPU time `serve` used (user + system, clock ticks), for CPU per message: steadier than rates on a shared machine.
TICKS=$(awk '{print $14 + $15}' "/proc/$SERVE/stat" 2>/dev/null || echo 0)
SYSTICKS=$(awk '{print $15}' "/proc/$SERVE/stat" 2>/dev/null || echo 0)
CSW=$(awk '/ctxt_switches/ {n += $2} END {print n + 0}' /proc/$SERVE/task/*/status 2>/dev/null || echo 0)
HZ=$(getconf CLK_TCK)
DTICKS=$(awk '{print $14 + $15}' "/proc/$DEST/stat" 2>/dev/null || echo 0)
SENDER_S=$(awk '{print $1 + $2}' "$WORK/sender.time" 2>/dev/null || echo 0)
kill -TERM "$SERVE"; wait "$SERVE" || true; SERVE=""
JOURNALED=$("$BIN" messages list --limit 0 --data "$WORK/data" | wc -l)
SENT=$("$BIN" messages list --limit 0 --status sent --data "$WORK/data" | wc -l)
WRITES=$(grep -o 'writes=[0-9]*' "$WORK/serve.log" | tail -1 | cut -d= -f2)
COMMITS=$(grep -o 'commits=[0-9]*' "$WORK/serve.log" | tail -1 | cut -d= -f2)
SYNCS=$(grep -o 'syncs=[0-9]*' "$WORK/serve.log" | tail -1 | cut -d= -f2 || true)

python3 - "$WORK/in.json" "$START" "$IN_END" "$END" "$TOTAL" "$RECEIVED" "$UNIQUE" "$JOURNALED" "$SENT" "${WRITES:-0}" "${COMMITS:-0}" "$TICKS" "$HZ" "$SYSTICKS" "$CSW" "$DTICKS" "$SENDER_S" "${SYNCS:-0}" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
start, in_end, end = map(float, sys.argv[2:5])
total, received, unique, journaled, sent, writes, commits, ticks, hz, systicks, csw = map(int, sys.argv[5:16])
print(f"in  (AA after durable commit): {r['connections']} connections, {r['messages']} messages, "
      f"{r['messagesPerSecond']} msg/s, ACK p50 {r['p50ms']} ms, p99 {r['p99ms']} ms")
print(f"out (destination received all {total}): {end - start:.2f} s after the first send, "
      f"{end - in_end:.2f} s after the last AA; end to end {total / (end - start):.0f} msg/s")
print(f"destination: {received} received, {unique} distinct control IDs; journal: {journaled} messages, {sent} sent")
syncs = int(sys.argv[18])
print(f"store: {writes} writes (receives and marks sent) in {commits} commits, {writes / max(commits, 1):.1f} per commit"
      + (f"; {syncs} WAL flushes, {total / syncs:.1f} messages per flush" if syncs > 0 else ""))
print(f"serve CPU: {ticks / hz:.1f} s ({systicks / max(ticks, 1) * 100:.0f} % system), {ticks / hz / total * 1e6:.0f} µs per message "
      f"(in, journal, out); {csw / total:.1f} context switches per message")
dticks, sender_s = int(sys.argv[16]), float(sys.argv[17])
if sender_s > 0:
    per = (ticks / hz + dticks / hz + sender_s) / total * 1e6
    print(f"load generators' CPU: sender {sender_s / total * 1e6:.0f} µs, destination {dticks / hz / total * 1e6:.0f} µs per message; "
          f"all three processes {per:.0f} µs per message (on 2 cores: at most {2e6 / per:.0f} msg/s with nothing else running)")
if unique < total or journaled < total:
    print("INCOMPLETE: something was not delivered or not journaled", file=sys.stderr)
    sys.exit(1)
PY
