"""Client overhead against a bare aiohttp request (whole and streamed), ledger write cost, concurrent writers.

    python benchmarks/bench_client.py                      # 400 requests per side, 2000 ledger writes, 1-8 writers
    python benchmarks/bench_client.py --requests 1000 --writers 1 2 4 8 --per-writer 500

The loopback chat-completions server (tests/chatserver.py) runs in its own process, so the server's work is not
charged to either side. Both sides send the same requests one after another over one keep-alive session; the
client's figure includes routing, the two ledger writes per attempt (a real WAL SQLite file), classification and
the reply object. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SAMPLE = ROOT / "tests" / "data" / "pools-sample.json"
MESSAGES = [{"role": "user", "content": "Write the home page of a small bakery."}]

SERVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from chatserver import ChatServer, streamed
server = ChatServer().start()
if len(sys.argv) > 2:  # the page model streams its reply: 200 pieces, as a page of about 200 tokens
    server.always(sys.argv[2], streamed(*["word "] * 200))
print(server.port, flush=True)
sys.stdin.read()
server.stop()
"""

WRITER = """
import sys, time
from modelpools.consumer.ledger import Ledger
path, count = sys.argv[1], int(sys.argv[2])
with Ledger(path) as ledger:
    start = time.perf_counter()
    for _ in range(count):
        a = ledger.reserve(model="m/x:free", role="pageModel", default_limit=10**9)
        ledger.finish(a.attempt_id, outcome="ok", status=200, latency_ms=5, prompt_tokens=10, completion_tokens=5)
    print(time.perf_counter() - start)
"""


async def bare(base_url: str, model: str, n: int, stream: bool = False) -> list[float]:
    """n requests with aiohttp alone: the body parsed, or the stream's data lines parsed and their text joined."""
    import aiohttp

    times = []
    payload = {"model": model, "messages": MESSAGES, **({"stream": True} if stream else {})}
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer sk-bench"}) as session:
        for _ in range(n):
            start = time.perf_counter()
            async with session.post(base_url + "/chat/completions", json=payload) as r:
                body = await r.read()
            if stream:
                pieces = [
                    json.loads(line[6:])["choices"][0]["delta"].get("content", "")
                    for line in body.decode().split("\n")
                    if line.startswith("data: {")
                ]
                assert "".join(pieces)
            else:
                json.loads(body)["choices"][0]["message"]["content"]
            times.append(time.perf_counter() - start)
    return times


async def with_client(base_url: str, ledger: Path, n: int, stream: bool = False) -> list[float]:
    from modelpools.consumer.client import Client, ClientOptions

    options = ClientOptions(
        base_url=base_url, ledger_file=ledger, pools_file=SAMPLE, requests_per_minute=0, daily_cap=10**9
    )
    times = []
    async with Client(options=options, api_key="sk-bench") as client:
        for _ in range(n):
            start = time.perf_counter()
            if stream:
                await client.complete(role="page", messages=MESSAGES, on_text=lambda piece: None)
            else:
                await client.complete(role="page", messages=MESSAGES)
            times.append(time.perf_counter() - start)
    return times


def client_overhead(n: int, stream: bool = False) -> None:
    from modelpools.consumer.pools_view import load_pools

    model = load_pools(SAMPLE).page_model
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ROOT / "tests"), *([model] if stream else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = f"http://127.0.0.1:{server.stdout.readline().strip()}/api/v1"
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(bare(base_url, model, 50, stream))  # warm-up both paths
            asyncio.run(with_client(base_url, Path(tmp) / "warm.sqlite", 50, stream))
            bare_runs, client_runs = [], []
            for i in range(4):  # alternate in blocks so drift hits both sides
                bare_runs += asyncio.run(bare(base_url, model, n // 4, stream))
                client_runs += asyncio.run(with_client(base_url, Path(tmp) / f"usage{i}.sqlite", n // 4, stream))
    finally:
        server.stdin.close()
        server.wait(10)
    b, c = statistics.median(bare_runs), statistics.median(client_runs)
    what = "streamed (200 pieces each)" if stream else "whole"
    print(f"client overhead, {len(bare_runs)} sequential requests per side to a loopback server, {what}:")
    print(
        f"  bare aiohttp POST: median {b * 1e3:7.3f} ms | Client.complete: median {c * 1e3:7.3f} ms | "
        f"ratio {c / b:.2f}x | overhead {(c - b) * 1e3:.3f} ms per request"
    )


def ledger_cost(n: int) -> None:
    from modelpools.consumer.ledger import Ledger

    with tempfile.TemporaryDirectory() as tmp, Ledger(Path(tmp) / "usage.sqlite") as ledger:
        for _ in range(50):
            a = ledger.reserve(model="m/x:free", role="pageModel", default_limit=10**9, now=time.time() - 86400)
            ledger.finish(a.attempt_id, outcome="ok", status=200, latency_ms=5)
        base = time.time()
        for label, per_minute in (("cap check", 0), ("cap check + per-minute pacing check at 20/min", 20)):
            start = time.perf_counter()
            for i in range(n):  # attempts 3.1 s apart (as paced at 20/min), so the pacing never refuses
                a = ledger.reserve(
                    model="m/x:free", role="pageModel", default_limit=10**9, per_minute=per_minute, now=base + i * 3.1
                )
                ledger.finish(
                    a.attempt_id, outcome="ok", status=200, latency_ms=5, prompt_tokens=10, completion_tokens=5
                )
            elapsed = time.perf_counter() - start
            print(
                f"ledger write cost, reserve ({label}) + finish, WAL, synchronous=NORMAL, {n} attempts: "
                f"{elapsed / n * 1e6:.0f} us per attempt"
            )


def writers(counts: list[int], per_writer: int) -> None:
    print(f"concurrent writers, {per_writer} attempts each (reserve + finish), one ledger file:")
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "usage.sqlite")
            start = time.perf_counter()
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", WRITER, path, str(per_writer)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(count)
            ]
            results = [p.communicate() for p in procs]
            wall = time.perf_counter() - start
            for p, (_out, err) in zip(procs, results):
                if p.returncode != 0:
                    raise SystemExit(f"writer failed: {err.strip()[-300:]}")
            writing = max(float(out) for out, _ in results)
            import sqlite3

            rows = sqlite3.connect(path).execute("SELECT count(*) FROM attempts").fetchone()[0]
        total = count * per_writer
        print(
            f"  {count} writer(s): {rows} rows of {total}; slowest writer {writing:.2f} s -> "
            f"{total / writing:,.0f} attempts/s (wall incl. start-up {wall:.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--ledger-writes", type=int, default=2000)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--per-writer", type=int, default=500)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    client_overhead(args.requests)
    client_overhead(args.requests, stream=True)
    ledger_cost(args.ledger_writes)
    writers(args.writers, args.per_writer)


if __name__ == "__main__":
    main()
