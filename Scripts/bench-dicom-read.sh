#!/usr/bin/env bash
# DICOM read benchmark: Isthmus against DCMTK dcmdump and pydicom, in one run.
#
#   Scripts/bench-dicom-read.sh [--runs N] [--count FILES] [--batch N] [--iterations N]
#
# 1. Builds `isthmus` in release (scratch path .build-release, so debug builds are untouched).
# 2. Generates the corpus once with Scripts/make-dicom-bench-corpus.py into Benchmarks/.corpus/
#    (git-ignored; regenerated when the generator, the file count or the pydicom version changes).
# 3. Times header reads of every corpus file and full reads of the 60 MB multi-frame file, each
#    measurement `--runs` times (default 3), and prints the medians and the Isthmus/peer ratios.
#    See docs/benchmarks.md for what each row measures.
#
# Environment: DCMDUMP (default /usr/bin/dcmdump, called by absolute path because pip's
# pynetdicom installs scripts with DCMTK's names), PYTHON (default python3).
set -euo pipefail

runs=3
count=1000
batch=1000
iterations=10
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --count) count=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --iterations) iterations=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DCMDUMP=${DCMDUMP:-/usr/bin/dcmdump}
PYTHON=${PYTHON:-python3}
[ -x "$DCMDUMP" ] || { echo "DCMTK dcmdump not found at $DCMDUMP (set DCMDUMP)" >&2; exit 1; }
"$PYTHON" -c "import pydicom, numpy" || { echo "pydicom and numpy are needed" >&2; exit 1; }

echo "== building isthmus (release, .build-release)" >&2
swift build -c release --scratch-path .build-release --product isthmus >&2
isthmus="$root/.build-release/release/isthmus"

corpus="$root/Benchmarks/.corpus"
stamp="$(sha256sum Scripts/make-dicom-bench-corpus.py | cut -c1-16) count=$count $("$PYTHON" -c 'import pydicom, numpy; print("pydicom", pydicom.__version__, "numpy", numpy.__version__)')"
if [ "$(cat "$corpus/STAMP" 2>/dev/null)" != "$stamp" ]; then
    echo "== generating corpus in Benchmarks/.corpus ($count files + multi-frame)" >&2
    rm -rf "$corpus"
    mkdir -p "$corpus"
    "$PYTHON" Scripts/make-dicom-bench-corpus.py "$corpus" --count "$count"
    echo "$stamp" > "$corpus/STAMP"
else
    echo "== corpus up to date in Benchmarks/.corpus" >&2
fi

echo "== warming the page cache" >&2
cat "$corpus"/files/*.dcm "$corpus/multiframe.dcm" > /dev/null

export ISTHMUS="$isthmus" DCMDUMP PYTHON RUNS=$runs BATCH=$batch ITERATIONS=$iterations CORPUS="$corpus"
exec "$PYTHON" - <<'PY'
import os, resource, statistics, subprocess, sys, time

isthmus, dcmdump, python = os.environ["ISTHMUS"], os.environ["DCMDUMP"], os.environ["PYTHON"]
runs, batch, iterations = int(os.environ["RUNS"]), int(os.environ["BATCH"]), int(os.environ["ITERATIONS"])
corpus = os.environ["CORPUS"]
os.chdir(os.path.join(corpus, "files"))
files = sorted(f for f in os.listdir(".") if f.endswith(".dcm"))
header_bytes_note = sum(os.path.getsize(f) for f in files)
multi = os.path.join(corpus, "multiframe.dcm")
multi_mb = os.path.getsize(multi) / 1e6
# The same batches for every tool that takes file names (one process per batch, as xargs would).
batches = [files[i:i + batch] for i in range(0, len(files), batch)]

def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def timed(argv_for_batch):
    """(wall, CPU) seconds of running argv over every batch, stdout to /dev/null."""
    t0, c0 = time.perf_counter(), cpu_of_children()
    for b in batches:
        r = subprocess.run(argv_for_batch(b), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit(f"failed ({r.returncode}): {argv_for_batch(b)[:4]}…\n{r.stderr.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - t0, cpu_of_children() - c0

PYDICOM_HEADERS = r'''
import sys, pydicom
from pydicom import config
config.settings.reading_validation_mode = config.IGNORE
mode = sys.argv[1]
for f in sys.argv[2:]:
    ds = pydicom.dcmread(f, stop_before_pixels=True)
    if mode == "str":
        s = str(ds)
'''
PYDICOM_FULL = r'''
import sys, pydicom
n = int(sys.argv[1])
for _ in range(n):
    ds = pydicom.dcmread(sys.argv[2])
    assert len(ds.PixelData) > 0
'''

header = [
    # name, what, argv builder
    ("isthmus dump --no-pixel-data", lambda b: [isthmus, "dicom", "dump", "--no-pixel-data", *b]),
    ("isthmus --no-pixel-data --parse-only", lambda b: [isthmus, "dicom", "dump", "--no-pixel-data", "--parse-only", *b]),
    ("dcmdump +sb 7fe0,0010", lambda b: [dcmdump, "-q", "+sb", "7fe0,0010", *b]),
    ("dcmdump (whole file, +M)", lambda b: [dcmdump, "-q", "+M", *b]),
    ("pydicom stop_before_pixels", lambda b: [python, "-c", PYDICOM_HEADERS, "parse", *b]),
    ("pydicom stop_before_pixels + str(ds)", lambda b: [python, "-c", PYDICOM_HEADERS, "str", *b]),
    # Start-up of the Python processes alone, to show the pydicom rates without it as well.
    ("python3 -c 'import pydicom'", lambda b: [python, "-c", "import pydicom; from pydicom import config"]),
]
print(f"corpus: {len(files)} files, {header_bytes_note / 1e6:.0f} MB, batches of {batch}; "
      f"multi-frame {multi_mb:.1f} MB; median of {runs} runs (wall-clock and CPU time of the processes, warm page cache)")
print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start", flush=True)
def run_once(argv):
    return timed(lambda _: argv)

full = [
    ("isthmus bench-read (bulkDataThreshold=nil)", [isthmus, "dicom", "bench-read", multi, "--iterations", str(iterations)]),
    ("dcmdump +M (load all, print one tag)", [dcmdump, "-q", "+M", "+P", "0008,0016", *([multi] * iterations)]),
    ("pydicom dcmread (full)", [python, "-c", PYDICOM_FULL, str(iterations), multi]),
]
# Round robin: run r of every tool, then run r + 1, so that a change in the load of the
# machine falls on every tool alike; each figure is the median of its runs.
times = {name: [] for name, _ in header + full}
for r in range(runs):
    for name, argv in header:
        times[name].append(timed(argv))
    for name, argv in full:
        times[name].append(run_once(argv))
for name in times:
    print(f"  {name:44s} wall {', '.join(f'{w:.3f}' for w, _ in times[name])} s;"
          f" CPU {', '.join(f'{c:.3f}' for _, c in times[name])} s")
def med(name, k): return statistics.median(t[k] for t in times[name])
results = {name: (len(files) / med(name, 0), len(files) / med(name, 1)) for name, _ in header}
startup = "python3 -c 'import pydicom'"
for name in ["pydicom stop_before_pixels", "pydicom stop_before_pixels + str(ds)"]:
    results[name + ", start-up excluded"] = tuple(
        len(files) / max(med(name, k) - med(startup, k), 1e-9) for k in (0, 1))
full_results = {name: (multi_mb * iterations / med(name, 0), multi_mb * iterations / med(name, 1)) for name, _ in full}

def table(title, unit, rows, ours, peers):
    print()
    print(f"{title}")
    print(f"  {'tool':56s} {unit + ' (wall)':>16s} {'Isthmus/peer':>13s}  {unit + ' (CPU)':>15s} {'Isthmus/peer':>13s}")
    for name in rows:
        (w, c) = rows[name]
        rw = f"{rows[ours][0] / w:12.2f}x" if name in peers else ("            —" if name == ours else "")
        rc = f"{rows[ours][1] / c:12.2f}x" if name in peers else ("            —" if name == ours else "")
        print(f"  {name:56s} {w:16.1f} {rw:>13s}  {c:15.1f} {rc:>13s}")

table("Header reads (all corpus files)", "files/s",
      {k: results[k] for k in ["isthmus dump --no-pixel-data", "dcmdump +sb 7fe0,0010", "dcmdump (whole file, +M)",
                               "pydicom stop_before_pixels + str(ds)", "pydicom stop_before_pixels + str(ds), start-up excluded"]},
      "isthmus dump --no-pixel-data",
      ["dcmdump +sb 7fe0,0010", "dcmdump (whole file, +M)", "pydicom stop_before_pixels + str(ds)",
       "pydicom stop_before_pixels + str(ds), start-up excluded"])
table("Header parse only (no printing)", "files/s",
      {k: results[k] for k in ["isthmus --no-pixel-data --parse-only", "pydicom stop_before_pixels",
                               "pydicom stop_before_pixels, start-up excluded"]},
      "isthmus --no-pixel-data --parse-only", ["pydicom stop_before_pixels", "pydicom stop_before_pixels, start-up excluded"])
table(f"Full read of the multi-frame file ({multi_mb:.1f} MB, {iterations} reads per process)", "MB/s",
      full_results, "isthmus bench-read (bulkDataThreshold=nil)",
      ["dcmdump +M (load all, print one tag)", "pydicom dcmread (full)"])
print()
print(f"load average {os.getloadavg()[0]:.2f} at end")
goal_header = results["isthmus dump --no-pixel-data"][0] / results["dcmdump +sb 7fe0,0010"][0]
goal_full = full_results["isthmus bench-read (bulkDataThreshold=nil)"][0]
print(f"goals (wall-clock figures): header dump vs dcmdump {goal_header:.2f}x (want >= 2x): {'met' if goal_header >= 2 else 'NOT met'}; "
      f"full read {goal_full / 1000:.2f} GB/s (want >= 1 GB/s): {'met' if goal_full >= 1000 else 'NOT met'}")
PY
