"""Benchmark the atlas build: cold build, warm (reuse) and load time, with peak memory.

Each measurement runs in a fresh Python process (so imports and memory are counted honestly) with a
private atlas folder. Usage: ``python bench/build.py [VINTAGE ...]`` (default: 2026 2024). Writes
bench/results/build.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = {
    "cold build": "from ics_maps.atlas import ensure_atlas; ensure_atlas({v!r})",
    "warm (inputs unchanged: reuse)": "from ics_maps.atlas import ensure_atlas; "
    "ensure_atlas({v!r})",
    "load built atlas": "from ics_maps.atlas import load_atlas; load_atlas({v!r})",
}
TIMED = (
    "import time, sys; t = time.perf_counter(); {code}; "
    "print('SECONDS', time.perf_counter() - t, file=sys.stderr)"
)


def run(code: str, env: dict) -> tuple[float, float, float]:
    """(wall seconds of the timed block, wall seconds of the process, peak RSS MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", TIMED.format(code=code)],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.perf_counter() - t0
    err = proc.stderr.read()
    if status != 0:
        raise SystemExit(f"benchmark step failed:\n{err}")
    inner = float([ln for ln in err.splitlines() if ln.startswith("SECONDS")][-1].split()[1])
    return inner, total, usage.ru_maxrss / 1024


def main(vintages: list[str]) -> None:
    results = []
    for v in vintages:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, ICS_MAPS_DATA=tmp)
            for label, code in SNIPPET.items():
                inner, total, rss = run(code.format(v=v), env)
                results.append(
                    {
                        "vintage": v,
                        "step": label,
                        "seconds": round(inner, 2),
                        "process_seconds": round(total, 2),
                        "peak_rss_mib": round(rss),
                    }
                )
                print(
                    f"{v}  {label:<32} {inner:7.2f} s  (process {total:6.2f} s)  peak RSS "
                    f"{rss:7.0f} MiB",
                    flush=True,
                )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "build.json").write_text(json.dumps(results, indent=1))
    print("targets: cold build < 30 s, load < 2 s (2-core machine)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["2026", "2024"])
