"""The probe stage's runner: one probing round through the chat client, and the doit action that plans the day
(``modelpools.stages.probe_plan``), sends the planned requests and writes probe-results.json (``run_probe``).

``probe-results.json`` (records.ProbeResults, in the cache directory) keeps, per model and for the current probe
set only, the batches answered (UTC day, first item, items, right) and the last day every attempt failed
(unreachable, never a zero score). Batches older than the TTL are dropped when the stage runs, so the file (and the
pools file built from it) depends on its content, not on the clock.
"""

from __future__ import annotations

import asyncio
import os
import time as time_module
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from modelpools.errors import CompletionFailed, DailyCapReached
from modelpools.records import Batch, ModelResult, ProbeResults
from modelpools.rules.days import utc_day
from modelpools.rules.probe import probe_items, probe_set_id
from modelpools.rules.probegrading import build_prompt, grade_reply
from modelpools.slices import ProbeSettings
from modelpools.stages.probe_plan import ProbeOptions, candidates_from, plan_requests, probe_allowance

if TYPE_CHECKING:
    from modelpools.consumer.client import ClientOptions

__all__ = ["PROBE_ROLE", "probe_round", "run_probe"]

# The role probe requests carry in the usage ledger.
PROBE_ROLE = "probe"


Chat = Callable[[str, str], Awaitable[str | None]]


async def probe_round(
    plan: Sequence[str], results: ProbeResults, chat: Chat, options: ProbeOptions, today: str
) -> ProbeResults:
    """Send one request per planned model id through ``chat(model, prompt)`` and grade the replies.

    ``chat`` returns the reply text, or None when every attempt failed (the model is then unreachable today, never
    scored zero); it raises to stop the round (for example when the daily cap is reached). Requests to one model
    run one after the other (each asks the next items); different models run concurrently.
    """
    models = dict(results.models)

    async def probe_model(mid: str, count: int) -> None:
        for _ in range(count):
            current = models.get(mid) or ModelResult(mid)
            if current.unreachable_day == today:
                return
            items = probe_items(current.next_item, options.items_per_request)
            text = await chat(mid, build_prompt(items))
            current = models.get(mid) or ModelResult(mid)
            if text is None:
                models[mid] = replace(current, unreachable_day=today, failures=current.failures + 1)
                return
            right = sum(grade_reply(items, text))
            batch = Batch(today, current.next_item, len(items), right)
            models[mid] = replace(
                current,
                batches=current.batches + (batch,),
                next_item=current.next_item + len(items),
                unreachable_day=None,
            )

    counts: dict[str, int] = {}
    for mid in plan:
        counts[mid] = counts.get(mid, 0) + 1
    outcomes = await asyncio.gather(*(probe_model(mid, n) for mid, n in counts.items()), return_exceptions=True)
    stopped = next((o for o in outcomes if isinstance(o, BaseException)), None)
    final = ProbeResults(results.probe_set, models)
    if stopped is not None:
        raise _RoundStopped(final) from stopped
    return final


class _RoundStopped(Exception):
    """A round ended early; ``results`` holds what was measured before."""

    def __init__(self, results: ProbeResults) -> None:
        super().__init__("probe round stopped")
        self.results = results


# ---------------------------------------------------------------- the doit action


def _client_options(settings: ProbeSettings) -> ClientOptions:
    """The chat client's options for probing: the site's client settings, no retries (one request, one attempt)."""
    from modelpools.consumer.client import ClientOptions

    return ClientOptions.of(settings.client, max_retries=0)


async def _probe_through_client(
    plan: Sequence[str],
    results: ProbeResults,
    options: ProbeOptions,
    today: str,
    client_options: Any,
    document: Mapping[str, Any],
    api_key: str,
    clock: Callable[[], float],
) -> tuple[ProbeResults, str | None]:
    """Run the plan through the chat client; (results, why the round stopped early or None)."""
    from modelpools.consumer.client import Client
    from modelpools.consumer.pools_view import pools_from_document

    pools = pools_from_document(document, validate=False)
    async with Client(options=client_options, api_key=api_key, pools=pools, clock=clock) as client:

        async def chat(model: str, prompt: str) -> str | None:
            try:
                reply = await client.complete(
                    role=PROBE_ROLE,
                    messages=[{"role": "user", "content": prompt}],
                    models=(model,),
                    daily_quota=options.daily_requests,
                    temperature=0,
                )
            except DailyCapReached:
                raise  # the day's budget (the probe's, or the account's) is used up: stop the round
            except CompletionFailed as exc:
                if exc.decision is not None and exc.decision.action == "stop":
                    raise  # not about this model (a bad key, a long per-minute wait): stop the round
                return None  # every attempt failed: unreachable today, not a zero score
            return reply.text

        try:
            return await probe_round(plan, results, chat, options, today), None
        except _RoundStopped as stopped:
            cause = stopped.__cause__
            if isinstance(cause, DailyCapReached):
                return stopped.results, str(cause)
            raise _StoppedByError(stopped.results, cause) from None


class _StoppedByError(Exception):
    def __init__(self, results: ProbeResults, cause: BaseException | None) -> None:
        super().__init__(str(cause))
        self.results, self.cause = results, cause


def run_probe(
    settings: ProbeSettings, *, clock: Callable[[], float] = time_module.time, environ: Mapping[str, str] = os.environ
) -> str:
    """doit action of the ``probe`` task: plan today's probe requests, send them, write probe-results.json.

    Without OPENROUTER_API_KEY nothing is sent (the results are kept, expired by the TTL). A stop that is not about
    one model (a bad key) still writes what was measured, then fails the task with the client's one-line message.
    """
    from modelpools.consumer.client import API_KEY_VARIABLE
    from modelpools.consumer.ledger import Ledger
    from modelpools.io.files import write_if_changed
    from modelpools.stages.pools import ranking_document

    files = settings.files
    options = ProbeOptions.of(settings)
    now = clock()
    today = utc_day(now)
    results = ProbeResults.load_or_empty(files.probe_results_file, probe_set_id()).expire(today, options.ttl_days)
    key = str(environ.get(API_KEY_VARIABLE, "")).strip()
    failure: BaseException | None = None
    if not key:
        note = f"{API_KEY_VARIABLE} is not set: no requests sent"
    else:
        document = ranking_document(files)
        candidates, anchors = candidates_from(document)
        with Ledger(files.ledger_file, retention_days=settings.client.usage_retention_days, clock=clock) as ledger:
            budget = ledger.budget(options.daily_cap, now)
            probe_used = ledger.used_today(PROBE_ROLE, now)
        allowance = 0 if budget.capped else probe_allowance(options, budget.limit, budget.used, probe_used)
        plan = plan_requests(candidates, anchors, results, options, allowance, today)
        before = results
        stopped = None
        if plan:
            try:
                results, stopped = asyncio.run(
                    _probe_through_client(
                        plan, results, options, today, _client_options(settings), document, key, clock
                    )
                )
            except _StoppedByError as exc:
                results, failure = exc.results, exc.cause
        note = _round_note(plan, before, results, today, budget.limit, options, probe_used, stopped)
    written = write_if_changed(files.probe_results_file, results.dump())
    tallies = results.tallies()
    line = (
        f"{files.probe_results_file}: {'written' if written else 'unchanged'} ({len(tallies)} model(s) probed, "
        f"{sum(t.answered for t in tallies.values())} items answered, probe set {results.probe_set}); {note}"
    )
    if failure is not None:
        from modelpools.errors import ModelPoolsError

        raise ModelPoolsError(f"probe stopped after writing what it measured: {failure}")
    return line


def _round_note(
    plan: Sequence[str],
    before: ProbeResults,
    after: ProbeResults,
    today: str,
    limit: int,
    options: ProbeOptions,
    probe_used: int,
    stopped: str | None,
) -> str:
    if not plan:
        return (
            f"nothing to probe today (probe requests today: {probe_used} of {options.daily_requests}; "
            f"the site keeps {max(0, limit - options.daily_requests)} of {limit})"
        )
    answered = sum(
        len(r.batches) - len(before.models[m].batches if m in before.models else ()) for m, r in after.models.items()
    )
    unreachable = sorted(
        m
        for m, r in after.models.items()
        if r.unreachable_day == today and (m not in before.models or before.models[m].unreachable_day != today)
    )
    text = (
        f"{answered} of {len(plan)} planned request(s) answered over {len(set(plan))} model(s)"
        + (f", unreachable today: {', '.join(unreachable)}" if unreachable else "")
        + f"; the site keeps {max(0, limit - options.daily_requests)} of {limit} requests a day"
    )
    return text + (f"; stopped: {stopped}" if stopped else "")
