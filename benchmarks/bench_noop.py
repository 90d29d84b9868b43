"""No-op `doit <task>` in an up-to-date site against a bare `doit` run of a trivial dodo.py, alternated.

    python benchmarks/bench_noop.py                 # doit catalog and doit pools, 15 runs each
    python benchmarks/bench_noop.py --task pools --runs 30
    python benchmarks/bench_noop.py --slices-cost /tmp/variant   # only: CPU to define the settings slices, here and there

The catalog is served from a loopback HTTP server (the newest real dump), the benchmarks are cloned from a
file:// git repository of the newest real LLM-Stats snapshot. Target: at most 1.2x the bare doit run.
Both wall-clock and CPU time (user + system of the doit process) are reported: on a machine shared with other
work the CPU-time ratio is the steadier figure. ``--baseline DIR`` also times an older checkout of modelpools
(e.g. ``git worktree add /tmp/old <commit>``, imported through PYTHONPATH) in the same alternation, in its own site.
The doit processes run with bytecode caching on, as an installed package does (PYTHONDONTWRITEBYTECODE is dropped
from their environment: without cached bytecode every run would also time compiling modelpools' source).
``--slices-cost DIR`` times one part of every run in isolation instead: executing modelpools/slices.py (defining
the settings slices; compiled once beforehand) and building one slice, in this checkout and in DIR, alternated in
one process: the CPU a different form of the slices would add to every doit run, without the noise of whole runs.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
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

TRIVIAL_DODO = """
def task_hello():
    return {"actions": ["touch out.txt"], "targets": ["out.txt"], "uptodate": [True]}
"""


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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cwd: Path, env: dict, *args: str) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one doit process."""
    start, cpu = time.perf_counter(), _cpu()
    result = subprocess.run([sys.executable, "-m", "doit", *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed, used = time.perf_counter() - start, _cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"doit {' '.join(args)} failed in {cwd}:\n{result.stdout}{result.stderr}")
    return elapsed, used


def _ratio(ours: list[float], bare: list[float]) -> str:
    pairs = sorted(o / b for o, b in zip(ours, bare))
    return (
        f"median {statistics.median(ours) * 1000:6.1f} vs {statistics.median(bare) * 1000:6.1f} ms, "
        f"ratio {statistics.median(ours) / statistics.median(bare):.3f}x (pairwise {statistics.median(pairs):.3f}x)"
    )


def slices_cost(others: list[Path], runs: int) -> None:
    """CPU to execute each checkout's modelpools/slices.py (its imports loaded once) and build PoolsSettings."""
    import types

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from modelpools.settings import Settings

    checkouts = [Path(__file__).resolve().parents[1], *(p.resolve() for p in others)]
    codes = []
    for root in checkouts:
        path = root / "modelpools" / "slices.py"
        codes.append(compile(path.read_text(), str(path), "exec"))
    times: list[list[float]] = [[] for _ in checkouts]
    for _ in range(runs):
        for code, spent in zip(codes, times):
            module = types.ModuleType("modelpools.slices_timed")  # dataclasses look their module up
            sys.modules[module.__name__] = module
            start = time.process_time()
            exec(code, module.__dict__)
            module.PoolsSettings.of(Settings())
            spent.append(time.process_time() - start)
    for root, spent in zip(checkouts, times):
        print(
            f"slices.py of {root}: median {statistics.median(spent) * 1000:.2f} ms CPU, min {min(spent) * 1000:.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("catalog", "pools", "both"), default="both")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--baseline", type=Path, help="an older modelpools checkout to time alongside, in the same runs"
    )
    parser.add_argument(
        "--slices-cost", type=Path, nargs="+", metavar="DIR", help="only time defining the settings slices (see above)"
    )
    args = parser.parse_args()
    if args.slices_cost:
        slices_cost(args.slices_cost, max(args.runs, 300))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = serve(DUMP.parent)
        site, old_site, trivial = root / "site", root / "baseline-site", root / "trivial"
        for directory in (site, old_site, trivial):
            directory.mkdir()
            (directory / "dodo.py").write_text(
                TRIVIAL_DODO if directory is trivial else "from modelpools.tasks import *\n"
            )
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["MODELPOOLS_OPENROUTER_URL"] = f"http://127.0.0.1:{server.server_port}/{DUMP.name}"
        env["MODELPOOLS_BENCHMARKS_REPO"] = make_repo(root).as_uri()
        sites = {"this checkout": (site, env)}
        if args.baseline:
            sites[f"baseline {args.baseline}"] = (old_site, env | {"PYTHONPATH": str(args.baseline.resolve())})
        for where, site_env in sites.values():
            run(where, site_env, "pools")  # warm: build everything once
        run(trivial, env)
        tasks = ("catalog", "pools") if args.task == "both" else (args.task,)
        print(f"{args.runs} alternated runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        for task in tasks:
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in sites}
            bare = []
            for _ in range(args.runs):
                for name, (where, site_env) in sites.items():
                    times[name].append(run(where, site_env, task))
                bare.append(run(trivial, env))
            for name, ours in times.items():
                wall = _ratio([w for w, _ in ours], [w for w, _ in bare])
                cpu = _ratio([c for _, c in ours], [c for _, c in bare])
                print(f"doit {task} no-op ({name}) vs bare doit | wall: {wall} | cpu: {cpu} | target <= 1.2x")
        server.shutdown()


if __name__ == "__main__":
    main()
