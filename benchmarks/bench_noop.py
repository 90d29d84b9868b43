"""No-op `doit <task>` in an up-to-date site against a bare `doit` run of a trivial dodo.py, alternated.

    python benchmarks/bench_noop.py                 # doit catalog and doit pools, 15 runs each
    python benchmarks/bench_noop.py --task pools --runs 30

The catalog is served from a loopback HTTP server (the newest real dump), the benchmarks are cloned from a
file:// git repository of the newest real LLM-Stats snapshot. Target: at most 1.2x the bare doit run.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DUMP = DATA / "openrouter" / "models-2026-08-18.json"
SNAPSHOT = DATA / "llm-stats" / "JonathanChavezTamales-24a9ccf"

TRIVIAL_DODO = '''
def task_hello():
    return {"actions": ["touch out.txt"], "targets": ["out.txt"], "uptodate": [True]}
'''


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(directory: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_repo(root: Path) -> Path:
    repo = root / "llm-stats"
    shutil.copytree(SNAPSHOT, repo)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "s"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


def run(cwd: Path, env: dict, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "doit", *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"doit {' '.join(args)} failed in {cwd}:\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("catalog", "pools", "both"), default="both")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = serve(DUMP.parent)
        site, trivial = root / "site", root / "trivial"
        site.mkdir()
        trivial.mkdir()
        (site / "dodo.py").write_text("from modelpools.tasks import *\n")
        (trivial / "dodo.py").write_text(TRIVIAL_DODO)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")}
        env["MODELPOOLS_OPENROUTER_URL"] = f"http://127.0.0.1:{server.server_port}/{DUMP.name}"
        env["MODELPOOLS_BENCHMARKS_REPO"] = make_repo(root).as_uri()
        run(site, env, "pools")  # warm: build everything once
        run(trivial, env)
        tasks = ("catalog", "pools") if args.task == "both" else (args.task,)
        print(f"{args.runs} alternated runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        for task in tasks:
            ours, bare = [], []
            for _ in range(args.runs):
                ours.append(run(site, env, task))
                bare.append(run(trivial, env))
            pairs = sorted(o / b for o, b in zip(ours, bare))
            print(
                f"doit {task:8s} no-op: median {statistics.median(ours) * 1000:6.1f} ms | bare doit: median "
                f"{statistics.median(bare) * 1000:6.1f} ms | ratio of medians {statistics.median(ours) / statistics.median(bare):.3f}x"
                f" | median pairwise ratio {statistics.median(pairs):.3f}x (target <= 1.2x)"
            )
        server.shutdown()


if __name__ == "__main__":
    main()
