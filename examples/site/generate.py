"""Generate site text with the free models of the pools: a few lines around modelpools' Client.complete(role=...).

    OPENROUTER_API_KEY=... doit intro        # or: python generate.py

The model, the fallbacks, the daily cap and the usage ledger (.cache/usage.sqlite) are the client's business;
`doit usage pools` then feeds what failed back into the next pools file, and `modelpools usage` shows what is left.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from modelpools import Client, DailyCapReached
from modelpools.io.files import write_if_changed

PAGES = {"index": "Write a two-sentence introduction for a page listing free coding models. Plain text only."}


async def generate(out_dir: Path, **client_args) -> list[str]:
    """One reply per page (concurrently, within the client's limits); returns the lines to print."""
    lines = []
    async with Client(**client_args) as client:
        replies = await asyncio.gather(
            *(
                client.complete(role="smallTasks", messages=[{"role": "user", "content": prompt}], max_tokens=400)
                for prompt in PAGES.values()
            ),
            return_exceptions=True,
        )
    for name, reply in zip(PAGES, replies):
        if isinstance(reply, DailyCapReached):
            lines.append(f"{name}: daily cap reached; {reply}")
        elif isinstance(reply, Exception):
            raise reply
        else:
            write_if_changed(out_dir / f"{name}.txt", reply.text.strip().encode("utf-8") + b"\n")
            lines.append(f"{name}: {reply.model} after {len(reply.attempts)} attempt(s)")
    return lines


if __name__ == "__main__":
    print("\n".join(asyncio.run(generate(Path(__file__).resolve().parent / "_site" / "text"))))
