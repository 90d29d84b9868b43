"""A/B experiments end to end: simulated models of known quality behind the loopback chat server, the client's
arms and feedback, the usage stage's verdict and the pools stage's promotion (docs/experiments.md)."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from dataclasses import replace

import pytest
from chatserver import Answer, no_endpoints, ok, server_error
from serving import client_options
from test_usage_stage import build
from test_usage_stage import settings as settings  # the fixture

from modelpools.cli import main
from modelpools.consumer.client import Client, ClientOptions
from modelpools.consumer.ledger import read_experiment_attempts
from modelpools.consumer.report_pools import roles_section
from modelpools.consumer.validators import page_html
from modelpools.rules.experiments import CHECKPOINTS
from modelpools.settings import load_settings

KEY = "sk-or-v1-test-0123456789abcdef"
START = 1_780_000_000.0


def simulated(pass_rate: float, seed: int):
    """A model whose pages pass the page validator with a known probability (else it answers prose)."""
    rng = random.Random(seed)

    def answer(payload: dict) -> Answer:
        return ok("<main><h1>Tides</h1><p>High and low.</p></main>" if rng.random() < pass_rate else "I cannot help.")

    return answer


def page_roles(settings) -> dict:
    return json.loads(settings.files.pools_file.read_text())["roles"]["pageModel"]


def ask(settings, server, count: int, share: float = 0.5, **client_kw) -> list:
    """``count`` page requests (different pages) through one Client with ab_share; the replies."""
    options = client_options(
        server.base_url, settings.project_dir, settings.files.pools_file, ab_share=share, **client_kw
    )
    options = replace(options, ledger_file=settings.files.ledger_file)
    clock = iter(START + i for i in range(100_000))

    async def go() -> list:
        async with Client(
            options=options, api_key=KEY, clock=lambda: next(clock), validators={"pageModel": page_html}
        ) as client:
            return [
                await client.complete(role="pageModel", messages=[{"role": "user", "content": f"page {i}"}])
                for i in range(count)
            ]

    return asyncio.run(go())


def test_a_clearly_better_runner_up_is_promoted_and_the_next_pools_make_it_the_default(settings, server, capsys):
    build(settings)
    role = page_roles(settings)
    default, better, other = role["model"], role["runnersUp"][0]["id"], role["runnersUp"][1]["id"]
    server.respond(default, simulated(0.3, 1)).respond(better, simulated(0.97, 2)).respond(other, simulated(0.3, 3))
    replies = ask(settings, server, 160)
    assert {r.model for r in replies} == {default, better, other}
    rows = read_experiment_attempts(settings.files.ledger_file)
    assert len(rows) == 160 and all(r.experiment == default and r.score in (0.0, 1.0) for r in rows)
    build(settings)
    summary = json.loads(settings.files.usage_summary_file.read_text())
    verdict = summary["experiments"]["pageModel"][default]
    assert (verdict["verdict"], verdict["challenger"]) == ("promote", better)
    assert verdict["look"] in CHECKPOINTS[:2]  # documented: within the first two looks for a gap this clear
    role = page_roles(settings)
    assert role["model"] == better and role["runnersUp"][0]["id"] == default
    assert role["experiment"]["arms"][better]["rated"] > 0
    assert any("A/B experiment" in note for note in role["notes"])
    assert json.loads(settings.files.pools_file.read_text())["chosenDefaults"]["pageModel"] == better
    again = build(settings)  # remembered: the same evidence gives the same pools
    assert build(settings) == again
    capsys.readouterr()
    assert main(["--project-dir", str(settings.project_dir), "explain", "pageModel"]) == 0
    out = capsys.readouterr().out
    assert f"    A/B experiment: promote {better} over {default}: after " in out
    assert f"      {better}: {verdict['arms'][better]['attempts']} attempts, success 100% [" in out
    html = roles_section(json.loads(settings.files.pools_file.read_text()))
    assert f"A/B experiment: promote {better} over {default}" in html
    day = START + 3600
    assert main(["--project-dir", str(settings.project_dir), "usage"], clock=lambda: day) == 0
    out = capsys.readouterr().out
    assert f"pageModel: A/B experiment: promote {better} over {default}" in out


def test_usage_lists_a_running_experiment_first(settings, server, capsys):
    build(settings)
    ask(settings, server, 12, share=0.5)
    assert main(["--project-dir", str(settings.project_dir), "usage"], clock=lambda: START + 60) == 0
    lines = capsys.readouterr().out.splitlines()
    experiments = [i for i, line in enumerate(lines) if ": A/B experiment: " in line]
    assert experiments, lines
    first = lines[experiments[0]]  # the running experiment comes before any decided one
    assert first.startswith(f"pageModel: A/B experiment: running against {page_roles(settings)['model']}: ")
    assert "the next look is at 20 per arm" in first
    assert main(["--project-dir", str(settings.project_dir), "usage", "--json"], clock=lambda: START + 60) == 0
    [experiment] = json.loads(capsys.readouterr().out)["experiments"]
    assert (experiment["role"], experiment["verdict"]) == ("pageModel", "running")


def test_the_same_request_asks_the_same_model_and_off_tags_nothing(settings, server):
    build(settings)
    first = [r.model for r in ask(settings, server, 30, share=0.3)]
    assert [r.model for r in ask(settings, server, 30, share=0.3)] == first  # a rebuild asks the same models
    assert len(set(first)) > 1
    before = len(read_experiment_attempts(settings.files.ledger_file))
    off = ask(settings, server, 30, share=0.0)
    assert {r.model for r in off} == {page_roles(settings)["model"]}
    assert all(r.experiment is None for r in off)
    assert len(read_experiment_attempts(settings.files.ledger_file)) == before


def test_a_failing_runner_up_falls_back_along_the_chain_and_a_dead_one_is_not_asked_again(settings, server):
    build(settings)
    role = page_roles(settings)
    runner = role["runnersUp"][0]["id"]
    server.always(runner, no_endpoints(runner))
    replies = ask(settings, server, 40, share=0.5)
    assert all(r.model != runner for r in replies)
    assert server.models_asked().count(runner) == 1  # dead for the run after its "No endpoints" answer
    [tagged] = [r for r in read_experiment_attempts(settings.files.ledger_file) if r.model == runner]
    assert tagged.outcome == "no_endpoints"


def test_a_5xx_on_the_arm_is_a_failure_of_the_arm_and_the_reply_still_comes(settings, server):
    build(settings)
    role = page_roles(settings)
    runner = role["runnersUp"][0]["id"]
    server.always(runner, server_error())
    replies = ask(settings, server, 20, share=0.5, max_retries=0)
    assert all(r.text for r in replies)
    failures = [r for r in read_experiment_attempts(settings.files.ledger_file) if r.model == runner]
    assert failures and all(r.outcome == "server_error" for r in failures)


def test_reply_rate_and_client_feedback_record_the_newest_score(settings, server):
    build(settings)
    options = replace(
        client_options(server.base_url, settings.project_dir, settings.files.pools_file, ab_share=0.5),
        ledger_file=settings.files.ledger_file,
    )

    async def go():
        async with Client(options=options, api_key=KEY, validators={"pageModel": page_html}) as client:
            reply = await client.complete(role="pageModel", messages=[{"role": "user", "content": "page 1"}])
            reply.rate(0.25)
            client.feedback(reply.id, 0.5)
            with pytest.raises(ValueError, match="from 0 to 1"):
                reply.rate(2)
            return reply

    reply = asyncio.run(go())
    with sqlite3.connect(settings.files.ledger_file) as db:
        scores = list(db.execute("SELECT score, source FROM feedback WHERE reply_id = ? ORDER BY id", (reply.id,)))
    assert scores == [(1.0, "validator"), (0.25, "caller"), (0.5, "caller")]  # the validator passed ok()'s HTML
    assert reply.experiment == page_roles(settings)["model"]  # with ab_share on, the default's arm is tagged too
    [attempt] = read_experiment_attempts(settings.files.ledger_file)
    assert attempt.score == 0.5  # the newest score counts
    with pytest.raises(RuntimeError, match="async with Client"):
        reply.rate(0.5)  # its Client is closed


def test_ab_share_is_a_setting_per_site_and_per_role(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.modelpools]\nab_share = 0.1\n[tool.modelpools.roles.bulkModel]\nab_share = 0.25\n"
    )
    options = ClientOptions.from_settings(load_settings(tmp_path, environ={}))
    assert (options.share_of("pageModel"), options.share_of("bulkModel")) == (0.1, 0.25)
    (tmp_path / "pyproject.toml").write_text("[tool.modelpools]\nab_share = 0.7\n")
    with pytest.raises(Exception, match=r"0\.5"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("<main><h1>Tides</h1></main>", True),
        ("```html\n<p>Hello</p>\n```", True),
        ("<p>   </p>", False),
        ("   ", False),
        ("Just prose, no markup.", False),
    ],
)
def test_the_page_validator_wants_html_with_text(text, passes):
    assert page_html(text) is passes
