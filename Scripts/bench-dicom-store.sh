#!/usr/bin/env bash
# C-STORE receive benchmark: `isthmus dicom scp` against DCMTK `storescp`, both fed by DCMTK `storescu`,
# in one run.
#
#   Scripts/bench-dicom-store.sh [--runs N] [--large-mib N]
#
# 1. Builds `isthmus` in release (scratch path $SCRATCH, default .build-release).
# 2. Generates the corpus with Scripts/make-dicom-store-corpus.py into a temporary folder: 500 x ~40 KB
#    CT, 200 x ~0.5 MB CT, one 60 MB multi-frame, and one --large-mib (default 1024) MiB instance.
# 3. For each set, `--runs` times (default 3): starts the receiver on a fresh output folder, times one
#    `storescu` association sending the whole set (TCP_NODELAY=1 for DCMTK), checks that every
#    instance is on disk, stops the receiver. Receivers: `storescp +B -od DIR` (writes the data set
#    bit-preserving, no fsync) and `isthmus dicom scp --out DIR` (fsync before acknowledging; also
#    with --no-fsync, like storescp). Prints medians, instances/s, MB/s, Isthmus/DCMTK ratios (of
#    throughput: above 1 is faster than DCMTK) and the receiver's CPU time (user + system, its whole
#    life), which the machine's load disturbs less than wall time.
# 4. Peak resident memory (GNU time %M) of each receiver taking the large instance, sent by
#    `isthmus dicom store` (which streams it from disk).
#
# Environment: STORESCU, STORESCP, ECHOSCU (default /usr/bin/…: pip's pynetdicom installs scripts
# with DCMTK's names), PYTHON (default python3), SCRATCH, TMPDIR (corpus and received files),
# ISTHMUS_BASELINE (another `isthmus` executable, e.g. a copy built from an earlier commit: measured
# as two more receivers, "baseline scp" and "baseline --no-fsync", interleaved with the others).
set -euo pipefail

runs=3
large_mib=1024
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --large-mib) large_mib=$2; shift 2 ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SCRATCH=${SCRATCH:-.build-release}
PYTHON=${PYTHON:-python3}
export STORESCU=${STORESCU:-/usr/bin/storescu} STORESCP=${STORESCP:-/usr/bin/storescp} ECHOSCU=${ECHOSCU:-/usr/bin/echoscu}
for t in "$STORESCU" "$STORESCP" "$ECHOSCU" /usr/bin/time; do [ -x "$t" ] || { echo "$t not found" >&2; exit 1; }; done
"$PYTHON" -c "import pydicom, numpy" || { echo "pydicom and numpy are needed" >&2; exit 1; }

echo "== building isthmus (release, $SCRATCH)" >&2
swift build -c release --scratch-path "$SCRATCH" --product isthmus >&2
export ISTHMUS="$root/$SCRATCH/release/isthmus"

work=$(mktemp -d "${TMPDIR:-/tmp}/isthmus-bench-store.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== generating the corpus in $work" >&2
"$PYTHON" Scripts/make-dicom-store-corpus.py "$work/corpus" --large-mib "$large_mib"

export RUNS=$runs WORK=$work
"$PYTHON" - <<'PY'
import os, signal, socket, statistics, subprocess, sys, time

isthmus, storescu, storescp, echoscu = (os.environ[k] for k in ("ISTHMUS", "STORESCU", "STORESCP", "ECHOSCU"))
baseline = os.environ.get("ISTHMUS_BASELINE")
runs, work = int(os.environ["RUNS"]), os.environ["WORK"]
corpus = os.path.join(work, "corpus")
dcmtk_env = dict(os.environ, TCP_NODELAY="1")

def files_of(name):
    d = os.path.join(corpus, name)
    return [os.path.join(d, f) for f in sorted(os.listdir(d))]

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def wait_echo(port, aet):
    for _ in range(300):
        if subprocess.run([echoscu, "-aec", aet, "127.0.0.1", str(port)], env=dcmtk_env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.05)
    sys.exit(f"{aet} on port {port} did not answer C-ECHO")

class Receiver:
    """A receiver process on a fresh output folder, optionally under GNU time."""
    def __init__(self, kind, out, rss_file=None):
        self.kind, self.out = kind, out
        os.makedirs(out)
        self.port = free_port()
        if kind == "dcmtk":
            self.aet = "STORESCP"
            argv = [storescp, "-aet", self.aet, "+B", "-od", out, str(self.port)]
        else:
            self.aet = "ISTHMUS"
            exe = baseline if kind.startswith("baseline") else isthmus
            argv = [exe, "dicom", "scp", "--host", "127.0.0.1", "--port", str(self.port), "--aet", self.aet, "--out", out]
            if kind.endswith("-nofsync"):
                argv.append("--no-fsync")
        if rss_file:
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv
        self.p = subprocess.Popen(argv, env=dcmtk_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_echo(self.port, self.aet)

    def received(self):
        return [f for f in os.listdir(self.out) if not f.startswith(".")]

    def stop(self):
        # The receiver itself, not GNU time: storescp ignores SIGTERM, isthmus stops gracefully on it.
        pids = [self.p.pid]
        try:
            with open(f"/proc/{self.p.pid}/task/{self.p.pid}/children") as f:
                pids = [int(x) for x in f.read().split()] or pids
        except OSError:
            pass
        for pid in pids:
            os.kill(pid, signal.SIGKILL if self.kind == "dcmtk" else signal.SIGTERM)
        # CPU seconds (user + system) of the receiver's whole life: start, C-ECHO, the set, stop.
        _, _, usage = os.wait4(self.p.pid, 0)
        self.p.returncode = 0
        # The received files stay until the end: deleting thousands of files here would make the next
        # receiver's file creations slower (ext4 skips recently freed inodes when allocating one).
        return usage.ru_utime + usage.ru_stime

def send(files, receiver):
    """Seconds for one storescu association sending every file, and the sender's CPU seconds (user +
    system, its whole life); checks every file arrived."""
    argv = [storescu, "-aet", "BENCH", "-aec", receiver.aet, "127.0.0.1", str(receiver.port)] + files
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=dcmtk_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    got = len(receiver.received())
    if p.returncode != 0 or got != len(files):
        sys.exit(f"storescu -> {receiver.kind}: exit {p.returncode}, {got}/{len(files)} received\n{err.decode()[-2000:]}")
    return t, usage.ru_utime + usage.ru_stime

kinds = ["dcmtk", "isthmus", "isthmus-nofsync"] + (["baseline", "baseline-nofsync"] if baseline else [])
load_before = os.getloadavg()
sets = [("500 x 40 KB", "small"), ("200 x 0.5 MB", "medium"), ("1 x 60 MB multi-frame", "multiframe")]
results = {}
n = 0
for label, name in sets:
    files = files_of(name)
    size = sum(os.path.getsize(f) for f in files)
    subprocess.run(["cat"] + files, stdout=subprocess.DEVNULL)  # page cache
    times = {k: [] for k in kinds}
    cpu = {k: [] for k in kinds}
    sender_cpu = {k: [] for k in kinds}
    for _ in range(runs):
        for k in kinds:  # interleaved, so that a noisy moment hits every receiver
            n += 1
            rcv = Receiver(k, os.path.join(work, f"out-{n}"))
            try:
                t, c = send(files, rcv)
                times[k].append(t)
                sender_cpu[k].append(c)
            finally:
                cpu[k].append(rcv.stop())
            subprocess.run(["sync"])  # leave no dirty pages to the next run
    results[label] = (len(files), size, {k: statistics.median(v) for k, v in times.items()}, times,
                      {k: statistics.median(v) for k, v in cpu.items()},
                      {k: statistics.median(v) for k, v in sender_cpu.items()})

print(f"\nC-STORE from DCMTK storescu (one association, TCP_NODELAY=1), median of {runs} runs; "
      f"load average {' '.join(f'{x:.2f}' for x in load_before)} before, {' '.join(f'{x:.2f}' for x in os.getloadavg())} after")
print(f"{'set':24} {'receiver':26} {'s':>7} {'inst/s':>8} {'MB/s':>8} {'vs DCMTK':>9} {'CPU s':>6}")
names = {"dcmtk": "DCMTK storescp +B", "isthmus": "isthmus dicom scp", "isthmus-nofsync": "isthmus scp --no-fsync",
         "baseline": "baseline dicom scp", "baseline-nofsync": "baseline --no-fsync"}
for label, (count, size, med, times, cpu, _) in results.items():
    for k in kinds:
        t = med[k]
        ratio = med["dcmtk"] / t
        print(f"{label:24} {names[k]:26} {t:7.3f} {count / t:8.0f} {size / 1e6 / t:8.1f} {ratio:8.2f}x {cpu[k]:6.2f}"
              f"   (runs: {', '.join(f'{x:.3f}' for x in times[k])})")

# Where the time goes: CPU per instance of the sender (storescu, its whole life) and of the receiver (its
# whole life: start, C-ECHO, the set, stop), against wall time per instance. A side whose CPU time is near
# the wall time (busy near 100%) is the one the throughput waits for; both at once share the 2 cores.
print(f"\nCPU time per instance (ms, medians): storescu sender vs receiver; busy = CPU / wall time of the association")
print(f"{'set':24} {'receiver':26} {'wall ms':>8} {'sender ms':>10} {'busy':>5} {'receiver ms':>12} {'busy':>5}")
for label, (count, size, med, times, cpu, scpu) in results.items():
    for k in kinds:
        t = med[k]
        print(f"{label:24} {names[k]:26} {t / count * 1e3:8.3f} {scpu[k] / count * 1e3:10.3f} {scpu[k] / t:5.0%}"
              f" {cpu[k] / count * 1e3:12.3f} {cpu[k] / t:5.0%}")

# Peak resident memory while receiving one large instance, sent by `isthmus dicom store` (streaming).
large = files_of("large")
if large:
    size = os.path.getsize(large[0])
    print(f"\nPeak resident memory receiving one {size / 2**20:.0f} MiB instance (GNU time %M; sent by isthmus dicom store)")
    for k in ["isthmus", "isthmus-nofsync", "dcmtk"] + (["baseline", "baseline-nofsync"] if baseline else []):
        n += 1
        rss = os.path.join(work, f"rss-{n}")
        rcv = Receiver(k, os.path.join(work, f"out-{n}"), rss_file=rss)
        try:
            t0 = time.perf_counter()
            r = subprocess.run([isthmus, "dicom", "store", "--timeout", "600", f"{rcv.aet}@127.0.0.1:{rcv.port}", large[0]],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            t = time.perf_counter() - t0
            ok = r.returncode == 0 and len(rcv.received()) == 1
        finally:
            rcv.stop()
        peak = int(open(rss).read().split()[-1])
        print(f"{names[k]:26} peak {peak / 1024:7.1f} MB   ({t:.1f} s, {'stored' if ok else 'FAILED: ' + r.stderr.decode()[-300:]})")
PY
