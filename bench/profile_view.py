"""Where a page view's server CPU goes: py-spy samples the Streamlit server while a browser that
has visited before (Streamlit's JavaScript cached) opens one page again and again — the view that
``bench/load.py --phases cpu`` times. Prints the functions holding the most samples (own and
inclusive) and writes the collapsed stacks (``bench/results/profile-<page>.txt``) for a flame
graph. Only the thread holding the GIL is sampled (``--gil``): Python's work, not its waits. Needs
``py-spy`` (``pip install py-spy``) and the rights to ptrace the server.

Usage: ``python bench/profile_view.py overview [--repeats 20]``; pages as in bench/load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import stop_server  # noqa: E402
from load import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    ROOT,
    close,
    cpu_s,
    returning,
    start_server,
    view,
)


def summarise(collapsed: Path, top: int) -> None:
    """Print the ``top`` functions by own and by inclusive samples."""
    own: collections.Counter = collections.Counter()
    incl: collections.Counter = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        total += int(n)
        own[frames[-1]] += int(n)
        for f in set(frames):
            incl[f] += int(n)
    print(f"{total} samples")
    for title, c in (("own", own), ("inclusive", incl)):
        print(f"--- top {top} {title}")
        for f, n in c.most_common(top):
            print(f"{100 * n / total:5.1f}%  {f[:160]}")


async def run(page: str, repeats: int, rate: int, out: Path) -> None:
    from playwright.async_api import async_playwright

    log = ROOT / "bench" / "results" / "profile-server.log"
    proc, url = start_server(ROOT, None, log)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            ctx = await returning(browser, url)
            await close(await view(browser, url + PAGES[page], shared=ctx))
            spy = subprocess.Popen(
                [
                    *("py-spy", "record", "--pid", str(proc.pid), "--subprocesses"),
                    *("--rate", str(rate), "--format", "raw", "--output", str(out), "--gil"),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(2)
            c0 = cpu_s(proc.pid)
            for _ in range(repeats):
                await close(await view(browser, url + PAGES[page], shared=ctx))
            used = cpu_s(proc.pid) - c0
            spy.send_signal(2)
            spy.wait(30)
            print(f"{page}: {used / repeats:.3f} s server CPU per view over {repeats} views")
            await browser.close()
    finally:
        stop_server(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", choices=sorted(PAGES))
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--rate", type=int, default=250)
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    out = ROOT / "bench" / "results" / f"profile-{args.page}.txt"
    asyncio.run(run(args.page, args.repeats, args.rate, out))
    summarise(out, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
