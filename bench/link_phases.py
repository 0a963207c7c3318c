"""Where a first link spends its work, per phase, in retired CPU instructions and CPU seconds.

    provenance --db sqlite:////tmp/nolink10k.db ingest CORPUS/articles --no-link \
        --manifest CORPUS/manifest.csv
    python bench/link_phases.py /tmp/nolink10k.db /tmp/nolink100k.db

Each database (SQLite, ingested with `--no-link`) is copied and linked by `link_pending` in
a fresh process; the phases are the store's and engine's steps, timed inclusively (a phase
that calls another counts it too). With two databases the last columns are the ratios,
second to first: the link-growth target of issue #6 is the ratio of the totals.

Instructions come from the processor's counter (Linux `perf_event_open`, user space only).
Unlike seconds they do not move with other jobs on a shared machine (two runs of the same
link agree to 0.1%), so they tell whether a change did less work, and whether time growing
faster than the data is more work or slower work (cache misses at the larger size). Where
the kernel refuses the counter, only CPU seconds are shown.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (module, function) pairs timed inclusively; store-level names are the ones `link_pending`
# calls through the store module's namespace.
PHASES = [
    ("provenance.linking.store", "load_variants"),
    ("provenance.linking.store", "load_sources"),
    ("provenance.linking.store", "link_new"),
    ("provenance.linking.engine", "_prepare"),
    ("provenance.linking.engine", "_cluster_all"),
    ("provenance.linking.engine", "_conflicts"),
    ("provenance.linking.store", "apply_clusters"),
    ("provenance.linking.store", "replace_auto_links"),
    ("provenance.linking.store", "store_keys"),
    ("provenance.linking.store", "_refresh_stories_and_drift"),
    ("provenance.linking.store", "plan_stories"),
    ("provenance.linking.store", "plan_drift"),
    ("provenance.linking.store", "_refresh_review_queue"),
]


class _PerfEventAttr(ctypes.Structure):
    _fields_ = [  # linux/perf_event.h, the first 112 bytes
        ("type", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("config", ctypes.c_uint64),
        ("sample_period", ctypes.c_uint64),
        ("sample_type", ctypes.c_uint64),
        ("read_format", ctypes.c_uint64),
        ("flags", ctypes.c_uint64),
        ("wakeup_events", ctypes.c_uint32),
        ("bp_type", ctypes.c_uint32),
        ("config1", ctypes.c_uint64),
        ("config2", ctypes.c_uint64),
        ("branch_sample_type", ctypes.c_uint64),
        ("sample_regs_user", ctypes.c_uint64),
        ("sample_stack_user", ctypes.c_uint32),
        ("clockid", ctypes.c_int32),
        ("sample_regs_intr", ctypes.c_uint64),
        ("aux_watermark", ctypes.c_uint32),
        ("sample_max_stack", ctypes.c_uint16),
        ("reserved", ctypes.c_uint16),
    ]


_PERF_EVENT_OPEN = {"x86_64": 298, "aarch64": 241}


@functools.cache
def instruction_counter():  # type: ignore[no-untyped-def]
    """A function returning this process's retired user-space instructions so far, or None
    when the kernel or platform does not offer the counter (one counter per process)."""
    number = _PERF_EVENT_OPEN.get(os.uname().machine)
    if number is None or not sys.platform.startswith("linux"):
        return None
    attr = _PerfEventAttr(type=0, size=ctypes.sizeof(_PerfEventAttr), config=1)  # HW, instr.
    attr.flags = (1 << 5) | (1 << 6)  # exclude_kernel, exclude_hv
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(number, ctypes.byref(attr), 0, -1, -1, 0)
    if fd < 0:
        return None
    return lambda: struct.unpack("q", os.read(fd, 8))[0]


def _child(database: str) -> None:
    """Link `database` with every phase wrapped; print one JSON object."""
    import importlib

    from provenance.linking.store import link_pending
    from provenance.storage.db import open_database

    count = instruction_counter() or (lambda: 0)
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])

    def wrap(module_name: str, name: str) -> None:
        module = importlib.import_module(module_name)
        inner = getattr(module, name)

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start, cpu = count(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                entry = totals[name]
                entry[0] += count() - start
                entry[1] += time.process_time() - cpu
                entry[2] += 1

        setattr(module, name, timed)

    for module_name, name in PHASES:
        wrap(module_name, name)
    db = open_database(f"sqlite:///{database}")
    start, cpu, wall = count(), time.process_time(), time.perf_counter()
    report = link_pending(db)
    totals["TOTAL"] = [count() - start, time.process_time() - cpu, 1]
    db.dispose()
    print(
        json.dumps(
            {
                "phases": totals,
                "wall": time.perf_counter() - wall,
                "variants": report.variants_linked,
            }
        )
    )


def measure(database: Path) -> dict:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="link-phases-") as tmp:
        copy = Path(tmp, "link.db")
        shutil.copyfile(database, copy)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(copy)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"linking {database} failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("databases", nargs="+", type=Path, help="SQLite files ingested --no-link")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(str(args.databases[0]))
        return
    for database in args.databases:
        if not database.is_file():
            raise SystemExit(f"no database at {database}: ingest a corpus with --no-link first")
    if instruction_counter() is None:
        print("instruction counter unavailable here: CPU seconds only", file=sys.stderr)
    runs = [measure(database) for database in args.databases]
    names = ["TOTAL", *(name for _, name in PHASES)]
    header = f"{'phase':28}" + "".join(f" {'G instr':>9} {'cpu s':>7}" for _ in runs)
    if len(runs) == 2:
        header += f" {'instr ×':>8} {'cpu ×':>7}"
    print(" " * 28 + "".join(f" {str(r['variants']) + ' wordings':>17}" for r in runs))
    print(header)
    for name in names:
        cells = [run["phases"].get(name, [0, 0.0, 0]) for run in runs]
        line = f"{name:28}" + "".join(f" {c[0] / 1e9:9.2f} {c[1]:7.1f}" for c in cells)
        if len(runs) == 2:
            (i0, t0, _), (i1, t1, _) = cells
            line += f" {i1 / i0 if i0 else 0:8.2f} {t1 / t0 if t0 else 0:7.2f}"
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
