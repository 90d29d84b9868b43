"""How long a build waits, and how long it stays silent, when the network accepts connections and never answers.

    python benchmarks/bench_stalled_network.py            # a new site, default settings
    python benchmarks/bench_stalled_network.py --runs 2   # the second run starts from what the first left

Both the catalog URL (http://) and the benchmark repository (git://) point at one loopback server that accepts
every connection and never sends a byte (a firewall that swallows traffic). `python -m doit pools` runs in a new
site with default settings; every output line is time-stamped. Targets: total at most about 60 s, no silence
longer than about 10 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support import SilentServer


def timed_run(site: Path, env: dict[str, str]) -> tuple[float, float, list[tuple[float, str]]]:
    """(total seconds, longest silence in seconds, [(seconds since start, line)]) of one `doit pools`."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "doit", "pools"],
        cwd=site,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append((time.monotonic() - started, line.rstrip()))

    reader = threading.Thread(target=read)
    reader.start()
    proc.wait()
    reader.join()
    total = time.monotonic() - started
    stamps = [0.0, *(at for at, _ in lines), total]
    return total, max(b - a for a, b in pairwise(stamps)), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    server = SilentServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp)
            (site / "dodo.py").write_text("from modelpools.tasks import *  # noqa: F403\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
                "MODELPOOLS_OPENROUTER_URL": f"http://127.0.0.1:{server.port}/api/v1/models",
                "MODELPOOLS_BENCHMARKS_REPO": server.url(),
            }
            for run in range(1, args.runs + 1):
                total, silence, lines = timed_run(site, env)
                print(f"run {run}: {total:.1f} s in all, longest silence {silence:.1f} s, {len(lines)} lines")
                for at, line in lines:
                    print(f"  {at:5.1f} s  {line[:160]}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
