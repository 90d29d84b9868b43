"""``modelpools serve``: the latency it adds per request against calling the loopback upstream directly, whole and to
the first streamed piece, and requests per second with 32 concurrent clients.

    python benchmarks/bench_serve.py                    # 400 sequential requests per side, 1,600 concurrent ones
    python benchmarks/bench_serve.py --requests 1000 --concurrent-requests 3200

The loopback chat-completions server (tests/chatserver.py) and ``modelpools serve`` each run in their own process
(the real command, a temporary project and cache with the sample pools file, a real ledger). The measuring side is
one aiohttp client that sends the same request body to both, one keep-alive session per side. The figure through the
endpoint includes its whole path: parsing, the pools file's stat, resolving the role, the Client's routing and its
two ledger writes per attempt, the upstream request and the OpenAI-shaped reply. No network beyond 127.0.0.1.
BENCH_SERVE_RUNNER replaces ``-m modelpools`` in the serve command (e.g. a script that runs cli.main under cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "pools-sample.json"
MESSAGES = [{"role": "user", "content": "Write the home page of a small bakery."}]

UPSTREAM = """
import sys
sys.path.insert(0, sys.argv[1])
from chatserver import ChatServer, ok, streamed
server = ChatServer().start()
stream = streamed(*["word "] * 200)  # a page of about 200 tokens when asked to stream, a whole reply otherwise
server.respond(sys.argv[2], lambda payload: stream if payload.get("stream") else ok())
print(server.port, flush=True)
sys.stdin.read()
server.stop()
"""


async def timed(url: str, payload: dict, n: int, stream: bool, headers: dict) -> tuple[list[float], list[float]]:
    """n sequential requests: (whole times, times to the first piece of text); the reply is parsed either way."""
    import aiohttp

    whole, first = [], []
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(n):
            start = time.perf_counter()
            async with session.post(url, json=payload) as response:
                if stream:
                    seen, text = None, []
                    async for line in response.content:
                        if line.startswith(b"data: {"):
                            piece = json.loads(line[6:])["choices"]
                            content = piece[0]["delta"].get("content") if piece else None
                            if content:
                                seen = seen or time.perf_counter()
                                text.append(content)
                    assert "".join(text) and seen is not None
                    first.append(seen - start)
                else:
                    body = await response.json()
                    assert body["choices"][0]["message"]["content"], body
            whole.append(time.perf_counter() - start)
    return whole, first


async def concurrent(url: str, payload: dict, total: int, clients: int) -> float:
    """Requests per second with ``clients`` sending at once (each its own session), ``total`` requests in all."""
    import aiohttp

    async def one_client(count: int) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(count):
                async with session.post(url, json=payload) as response:
                    assert response.status == 200, await response.text()
                    await response.read()

    start = time.perf_counter()
    await asyncio.gather(*(one_client(total // clients) for _ in range(clients)))
    return (total // clients * clients) / (time.perf_counter() - start)


def start_serve(tmp: Path, upstream_base: str, concurrency: int) -> tuple[subprocess.Popen, str]:
    (tmp / "cache").mkdir()
    shutil.copy(SAMPLE, tmp / "cache" / "model-pools.json")
    (tmp / "pyproject.toml").write_text(
        "[tool.modelpools]\n"
        f'openrouter_api_base = "{upstream_base}"\n'
        "requests_per_minute = 0\n"
        "daily_request_cap = 1000000\n"
        f"client_concurrency = {concurrency}\n"
    )
    env = {**os.environ, "OPENROUTER_API_KEY": "sk-or-v1-bench"}
    env.pop("MODELPOOLS_SERVE_KEY", None)
    command = [
        sys.executable,
        *os.environ.get("BENCH_SERVE_RUNNER", "-m modelpools").split(),
        "--project-dir",
        str(tmp),
        "--cache-dir",
        str(tmp / "cache"),
    ]
    process = subprocess.Popen([*command, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    line = process.stderr.readline() if process.stderr else ""
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"modelpools serve did not start: {line}")
    return process, line.split("listening on ")[1].split()[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), a figure the machine's other load barely moves."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1e3


def p10_ms(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[0] * 1e3


def main() -> None:
    from modelpools.consumer.pools_view import load_pools

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="sequential requests per side and kind")
    parser.add_argument("--concurrent-requests", type=int, default=1600)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    model = str(load_pools(SAMPLE).page_model)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    upstream = subprocess.Popen(
        [sys.executable, "-c", UPSTREAM, str(ROOT / "tests"), model],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert upstream.stdout is not None and upstream.stdin is not None
    upstream_base = f"http://127.0.0.1:{upstream.stdout.readline().strip()}/api/v1"
    with tempfile.TemporaryDirectory() as name:
        serve, serve_base = start_serve(Path(name), upstream_base, args.clients)
        direct = (upstream_base + "/chat/completions", {"Authorization": "Bearer sk-or-v1-bench"})
        served = (serve_base + "/chat/completions", {})
        try:
            rows, cpu_lines = {}, []
            print(f"load average before: {os.getloadavg()[0]:.2f}")
            for kind, stream in (("whole", False), ("streamed", True)):
                direct_body = {"model": model, "messages": MESSAGES}  # pageModel's first model, what serve asks
                served_body = {"model": "pageModel", "messages": MESSAGES}
                if stream:
                    direct_body["stream"] = served_body["stream"] = True
                runs: dict[str, tuple[list[float], list[float]]] = {"direct": ([], []), "served": ([], [])}
                cpu = {"direct": 0.0, "served": 0.0}  # CPU seconds of the upstream / the serve process
                for block in range(5):  # a warm-up block, then alternate blocks so drift hits both sides
                    for side, (url, headers), body in (
                        ("direct", direct, direct_body),
                        ("served", served, served_body),
                    ):
                        pid = upstream.pid if side == "direct" else serve.pid
                        before = cpu_seconds(pid)
                        whole, first = asyncio.run(timed(url, body, args.requests // 4, stream, headers))
                        if block:
                            runs[side][0].extend(whole)
                            runs[side][1].extend(first)
                            cpu[side] += cpu_seconds(pid) - before
                rows[kind] = runs
                count = len(runs["served"][0])
                cpu_lines.append(
                    f"  CPU per {kind} request: upstream server {cpu['direct'] / count * 1e3:.2f} ms | "
                    f"modelpools serve {cpu['served'] / count * 1e3:.2f} ms (its own work and its upstream request)"
                )
            print(f"added latency, {args.requests} sequential requests per side (medians):")
            d, s = rows["whole"]["direct"][0], rows["whole"]["served"][0]
            print(
                f"  whole:    direct {median_ms(d):6.3f} ms | through serve {median_ms(s):6.3f} ms | "
                f"added {median_ms(s) - median_ms(d):.3f} ms per request (goal < 2 ms); "
                f"p10 {p10_ms(d):.3f} -> {p10_ms(s):.3f} ms, added {p10_ms(s) - p10_ms(d):.3f} ms"
            )
            d, s = rows["streamed"]["direct"][1], rows["streamed"]["served"][1]
            dw, sw = rows["streamed"]["direct"][0], rows["streamed"]["served"][0]
            print(
                f"  streamed: first piece direct {median_ms(d):6.3f} ms | through serve {median_ms(s):6.3f} ms | "
                f"added {median_ms(s) - median_ms(d):.3f} ms to the first piece (goal < 5 ms); "
                f"p10 added {p10_ms(s) - p10_ms(d):.3f} ms; "
                f"whole stream of 200 pieces {median_ms(dw):.2f} -> {median_ms(sw):.2f} ms"
            )
            print("\n".join(cpu_lines))
            body = {"model": model, "messages": MESSAGES}
            asyncio.run(concurrent(direct[0], body, args.clients * 4, args.clients))  # warm-up
            direct_rps = asyncio.run(concurrent(direct[0], body, args.concurrent_requests, args.clients))
            served_rps = asyncio.run(
                concurrent(served[0], {**body, "model": "pageModel"}, args.concurrent_requests, args.clients)
            )
            print(
                f"throughput, {args.clients} concurrent clients, {args.concurrent_requests} whole requests: "
                f"direct {direct_rps:,.0f} req/s | through serve {served_rps:,.0f} req/s "
                f"(ratio {served_rps / direct_rps:.2f}; every request through serve writes 2 ledger rows)"
            )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            serve.terminate()
            serve.wait(30)
            upstream.stdin.close()
            upstream.wait(10)


if __name__ == "__main__":
    main()
