"""Fault-suite tally: adversarial scenarios survived, and random SIGKILLs of `doit pools` survived.

Usage: python benchmarks/bench_faults.py [--kills N] [--seed S] [--skip-scenarios] [--hostile-only]

1. Scenarios: runs the fault and terminal suites (tests/test_faults.py, tests/test_log.py: real doit runs against a
   loopback HTTP server and file:// / stalled git:// remotes) and counts each test case as one scenario; then runs
   the one attack too slow for the test suite: a catalog of 160,000 small free models (8 MB, under the response
   cap), which must be refused with the cache kept byte for byte.
2. Kills: in one site, N times: serve the other of two real catalogs, start `doit pools` (every third run with the
   benchmarks TTL at 0, so git runs too), SIGKILL its whole process group after a random delay within one run's
   duration, then check that every cache file is whole JSON, that the next normal `doit pools` succeeds with a
   valid pools file, that the run after it has nothing to do, and that no temp file is left once a stage has run
   (a temp file of the killed run stays while every stage is up to date: only a stage holding the cache lock may
   sweep). A kill survived when all hold; the ones whose temp file waited for a later stage are listed.
3. Hostile answers and clocks (issue 22): the scenarios of HOSTILE (a real `Client.complete` against the loopback
   chat server, a real `doit pools`, the real CLI) counted as in 1; then two measured figures, with a simulated
   clock (the waits are summed, not slept): the requests one `complete()` sends, and the waits it asks for, when
   the first model always answers a per-minute 429 whose reset is already past (6,794 requests in 15 s before), and
   when it always answers a 429 with `Retry-After: 0` (the whole daily cap of 50 before).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import TEST_DATA, LoopbackServer, Reply, new_layout_repo  # noqa: E402

CATALOGS = (TEST_DATA / "openrouter" / "models-2026-04-30.json", TEST_DATA / "openrouter" / "models-2026-05-01.json")
OUTPUTS = (
    "openrouter-models.json",
    "openrouter-models.meta.json",
    "benchmark-scores.json",
    "llm-stats.meta.json",
    "model-matches.json",
    "model-pools.json",
    "model-pools-changes.json",
)
DODO = (
    "import modelpools.io.http\nfrom modelpools.tasks import *\n"
    "modelpools.io.http.RetryPolicy.__init__.__defaults__ = (1, (0.01,), 60.0)\n"
)


FAULT_SUITES = ("tests/test_faults.py", "tests/test_log.py")
HOSTILE = (
    "tests/test_client.py",
    "tests/test_cli.py",
    "tests/test_ledger.py",
    "tests/test_tasks.py",
    "tests/test_probegrading.py",
    "-k",
    "per_minute_429 or retry_after_zero or bogus or hostile_answer_ends or hostile_stream_ends or clock "
    "or line_break or off_scale or huge_duration or infinite_or_huge or adversarial_reply or read_only_directory",
)


def scenarios(selection: tuple[str, ...] = FAULT_SUITES) -> tuple[int, int, list[str]]:
    """(passed, total, failed names) of the test cases of a pytest selection (default: the fault and terminal
    suites)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={report}",
                *selection,
            ],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        cases = ET.parse(report).getroot().iter("testcase")
        results = [
            (
                c.get("name"),
                any(child.tag in ("failure", "error") for child in c),
                any(child.tag == "skipped" for child in c),
            )
            for c in cases
        ]
    ran = [(name, failed) for name, failed, skipped in results if not skipped]
    failed = [name for name, bad in ran if bad]
    return len(ran) - len(failed), len(ran), failed


class Site:
    def __init__(self, root: Path, server: LoopbackServer, remote: Path) -> None:
        self.root, self.server, self.cache = root, server, root / ".cache"
        (root / "dodo.py").write_text(DODO)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
            "MODELPOOLS_OPENROUTER_URL": f"{server.url}/api/v1/models",
            "MODELPOOLS_BENCHMARKS_REPO": remote.as_uri(),
        }

    def serve(self, body: bytes) -> None:
        self.server.handler = lambda seen: Reply(body=body)

    def doit(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "doit", *args],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def outputs(self) -> dict[str, bytes]:
        return {name: (self.cache / name).read_bytes() for name in OUTPUTS if (self.cache / name).exists()}


def huge_catalog_refused(site: Site) -> bool:
    """The 160,000-model catalog is refused in one warning; every cache file stays byte for byte."""
    before = site.outputs()
    site.serve(
        json.dumps(
            {"data": [{"id": f"v{i % 97}/m-{i}:free", "pricing": {"prompt": "0"}} for i in range(160_000)]}
        ).encode()
    )
    result = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("modelpools: warning:")]
    after = site.outputs()
    kept = {k: v for k, v in after.items() if not k.endswith(".meta.json")} == {
        k: v for k, v in before.items() if not k.endswith(".meta.json")
    }
    return (
        result.returncode == 0
        and "Traceback" not in result.stderr
        and len(warnings) == 1
        and "160000 free models" in warnings[0]
        and kept
    )


def whole(site: Site) -> bool:
    from modelpools.errors import DataError
    from modelpools.io.files import read_json

    for name in OUTPUTS:
        if (site.cache / name).exists():
            try:
                read_json(site.cache / name, name)
            except DataError:
                return False
    return True


def recovered(site: Site) -> tuple[bool, str]:
    from modelpools.records import PoolsSchema
    from modelpools.rules.validation import validate_pools

    again = site.doit("pools")
    if again.returncode != 0 or "Traceback" in again.stdout + again.stderr:
        return False, "next run failed: " + (again.stdout + again.stderr)[-300:]
    pools = json.loads((site.cache / "model-pools.json").read_bytes())
    ids = {m["id"] for m in json.loads((site.cache / "openrouter-models.json").read_bytes())["models"]}
    try:
        validate_pools(pools, ids, schema=PoolsSchema.installed().check)
    except Exception as exc:
        return False, f"invalid pools after recovery: {exc}"
    idle = site.doit("pools")
    if any(line.startswith(". ") for line in idle.stdout.splitlines()):
        return False, "the run after recovery was not up to date: " + idle.stdout
    if _leftovers(site):  # when every stage was up to date, no stage ran to sweep them: the next one that runs must
        site.doit("catalog", MODELPOOLS_CATALOG_TTL="0s")
        if _leftovers(site):
            return False, f"temp files left after a stage ran: {_leftovers(site)}"
        return True, "swept by the next stage that ran"
    return True, ""


def _leftovers(site: Site) -> list[str]:
    return [p.name for p in site.cache.iterdir() if p.name.endswith((".tmp", ".old"))]


def kills(site: Site, count: int, rng: random.Random, span: float) -> tuple[int, int, list[str]]:
    """(kills survived, kills that landed while doit was still running, problems)."""
    survived, landed, problems = 0, 0, []
    for i in range(count):
        site.serve(CATALOGS[i % 2].read_bytes())
        env = {**site.env, "MODELPOOLS_CATALOG_TTL": "0s"} | ({"MODELPOOLS_BENCHMARKS_TTL": "0"} if i % 3 == 0 else {})
        proc = subprocess.Popen(
            [sys.executable, "-m", "doit", "pools"],
            cwd=site.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        delay = rng.uniform(0.0, span * (1.6 if i % 3 == 0 else 1.0))
        time.sleep(delay)
        landed += proc.poll() is None
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # doit and any git it started
        except ProcessLookupError:
            pass
        proc.wait()
        ok, why = (True, "") if whole(site) else (False, "a cache file was not whole JSON")
        if ok:
            ok, why = recovered(site)
        survived += ok
        if why:
            problems.append(f"kill {i + 1} after {delay:.2f} s: {'' if ok else 'NOT SURVIVED: '}{why}")
    return survived, landed, problems


async def _one_completion(base_url: str, pools: Path, now: float) -> tuple[list[float], str]:
    """One complete() of the page role with a simulated clock: (the waits it asked for, how it ended)."""
    import asyncio

    from modelpools.consumer.client import Client, ClientOptions
    from modelpools.errors import CompletionFailed

    clock, waits = [now], []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds
        await asyncio.sleep(0)

    with tempfile.TemporaryDirectory() as tmp:
        options = ClientOptions(base_url=base_url, ledger_file=Path(tmp) / "u.sqlite", pools_file=pools, daily_cap=50)
        async with Client(options=options, api_key="sk-or-v1-bench", clock=lambda: clock[0], sleep=sleep) as client:
            call = client.complete(role="page", messages=[{"role": "user", "content": "hi"}])
            try:
                reply = await asyncio.wait_for(call, 60)
            except CompletionFailed as exc:
                return waits, f"no reply: {exc}"[:80]
            except asyncio.TimeoutError:
                return waits, "STILL LOOPING after 60 s"
    return waits, f"a reply from the next model after {len(reply.attempts) - 1} answers of the first"


def hostile_loops() -> list[str]:
    """Section 3's measured figures: requests sent and waits asked by one complete() against a hostile first model."""
    import asyncio
    import json as json_module

    from chatserver import ERRORS, Answer, ChatServer

    from modelpools.consumer.pools_view import load_pools

    sample = TEST_DATA / "pools-sample.json"
    first = load_pools(sample).fallback_chain("page")[0]
    limited = json_module.dumps({"error": {"message": "Too many requests", "code": 429}}).encode()
    cases = (
        ("per-minute 429, reset 5 s past", Answer(429, (ERRORS / "429-free-models-per-min.json").read_bytes()), 5.0),
        ("429 with Retry-After: 0", Answer(429, limited, {"Retry-After": "0"}), -7200.0),
    )
    lines = []
    for name, answer, offset in cases:
        server = ChatServer().start()
        try:
            server.always(first, answer)
            reset = 1765661760.0 if offset > 0 else 1779321600.0  # the real bodies' X-RateLimit-Reset
            waits, outcome = asyncio.run(_one_completion(server.base_url, sample, reset + offset))
        finally:
            server.stop()
        shown = ", ".join(f"{w:g}" for w in waits) or "none"
        lines.append(f"  {name}: {len(server.requests)} requests, waits {shown} s (sum {sum(waits):g} s); {outcome}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-scenarios", action="store_true", help="only the 160k catalog and the kills")
    parser.add_argument("--hostile-only", action="store_true", help="only section 3 (hostile answers and clocks)")
    args = parser.parse_args()
    if not args.skip_scenarios:
        started = time.perf_counter()
        passed, total, failed = scenarios(HOSTILE)
        print(
            f"hostile answers and clocks: {passed} of {total} scenarios survived "
            f"({time.perf_counter() - started:.0f} s){'; failed: ' + ', '.join(failed) if failed else ''}"
        )
        print("\n".join(hostile_loops()))
    if args.hostile_only:
        return
    if not args.skip_scenarios:
        started = time.perf_counter()
        passed, total, failed = scenarios()
        print(
            f"fault and terminal suites: {passed} of {total} scenarios survived "
            f"({time.perf_counter() - started:.0f} s){'; failed: ' + ', '.join(failed) if failed else ''}"
        )
    server = LoopbackServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            remote = new_layout_repo(Path(tmp) / "llm-stats", orgs=("deepseek", "google", "meta", "openai", "qwen"))
            (Path(tmp) / "site").mkdir()
            site = Site(Path(tmp) / "site", server, remote)
            site.serve(CATALOGS[0].read_bytes())
            started = time.perf_counter()
            first = site.doit("pools")
            span = time.perf_counter() - started
            assert first.returncode == 0, first.stdout + first.stderr
            print(
                f"160,000-model catalog (8 MB): {'refused, cache kept' if huge_catalog_refused(site) else 'NOT refused'}"
            )
            site.serve(CATALOGS[0].read_bytes())
            assert site.doit("pools", MODELPOOLS_CATALOG_TTL="0s").returncode == 0
            survived, landed, problems = kills(site, args.kills, random.Random(args.seed), span)
            print(
                f"SIGKILL of doit pools at random moments (0-{span:.1f} s; every third run with git): "
                f"{survived} of {args.kills} survived ({landed} landed while doit was running)"
            )
            for problem in problems:
                print("  " + problem)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
