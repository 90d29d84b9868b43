"""Pools that know what failed: the usage stage on a real ledger file, the pools it changes, `modelpools usage`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

import pytest
from test_pools import CURATED, NOW, write_inputs

from modelpools.cli import main
from modelpools.consumer.ledger import Ledger
from modelpools.consumer.pools_view import load_pools
from modelpools.errors import AccountPaused, CompletionFailed
from modelpools.settings import Settings
from modelpools.slices import PoolsSettings, UsageSettings
from modelpools.stages import pools
from modelpools.stages.usage import refresh_usage_summary
from modelpools.uptodate import ledger_unchanged

T = NOW - 3 * 86400  # the site used the client three days before the build
GLM, ULTRA = "z-ai/glm-5.2:free", "nvidia/nemotron-3-ultra-550b-a55b:free"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setattr(pools.CuratedScores, "load", lambda path=None: pools.CuratedScores(tuple(CURATED)))
    s = Settings(project_dir=tmp_path)
    write_inputs(s)
    return s


def record(settings, model: str, outcome: str, at: float, latency_ms: int = 1500, catalog: str | None = None):
    catalog = catalog or pools.sha256_bytes(settings.files.catalog_file.read_bytes())[:16]
    with Ledger(settings.files.ledger_file, clock=lambda: at) as ledger:
        attempt = ledger.reserve(model=model, role="pageModel", now=at, catalog=catalog)
        ledger.finish(
            attempt.attempt_id,
            outcome=outcome,
            status=200 if outcome == "ok" else 404,
            latency_ms=latency_ms,
            finished=at + 2,
        )


def build(settings) -> bytes:
    refresh_usage_summary(UsageSettings.of(settings))
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: NOW)
    return settings.files.pools_file.read_bytes()


def test_no_ledger_gives_an_empty_summary_and_the_same_pools_bytes(settings):
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: NOW)
    before = settings.files.pools_file.read_bytes()
    assert build(settings) == before
    assert json.loads(settings.files.usage_summary_file.read_text()) == {
        "schemaVersion": 1,
        "window": {"days": 7, "end": None},
        "models": {},
    }
    assert not settings.files.ledger_file.exists()  # reading never creates a ledger


def test_a_model_answering_no_endpoints_leaves_defaults_and_chains_until_it_succeeds(settings):
    plain = build(settings)
    record(settings, GLM, "no_endpoints", T)
    record(settings, GLM, "no_endpoints", T + 600)
    record(settings, ULTRA, "ok", T + 700)
    degraded = build(settings)
    doc = json.loads(degraded)
    assert doc["chosenDefaults"]["bulkModel"] == ULTRA and GLM not in doc["chosenDefaults"].values()
    glm = next(m for m in doc["models"] if m["id"] == GLM)
    assert glm["rank"] == 1 and glm["usage"]["verdict"] == "unavailable" and glm["usage"]["noEndpoints"] == 2
    view = load_pools(settings.files.pools_file)
    assert GLM not in view.fallback_chain("bulk") and GLM not in view.fallback_chain("page")
    assert build(settings) == degraded  # a later build without new requests changes nothing
    record(settings, GLM, "ok", T + 900)  # it answers again
    assert build(settings) == plain


def test_a_new_catalog_gives_an_unavailable_model_another_chance(settings):
    plain = build(settings)
    for minute in (0, 10, 20):
        record(settings, GLM, "no_endpoints", T + minute * 60, catalog="0123456789abcdef")
    assert build(settings) == plain


def test_a_low_success_rate_demotes_from_the_defaults_but_keeps_the_chain(settings):
    for i in range(6):
        record(settings, GLM, "ok" if i == 0 else "reasoning_only", T + i * 60)
    doc = json.loads(build(settings))
    glm = next(m for m in doc["models"] if m["id"] == GLM)
    assert glm["usage"] == {
        "verdict": "demoted",
        "attempts": 6,
        "successRate": 0.17,
        "reason": "success rate 17% over 6 attempts is below 50%",
    }
    assert doc["chosenDefaults"]["bulkModel"] == ULTRA
    assert GLM in load_pools(settings.files.pools_file).fallback_chain("bulk")


def test_explain_shows_the_usage_verdict(settings, capsys):
    record(settings, GLM, "no_endpoints", T)
    record(settings, GLM, "no_endpoints", T + 60)
    build(settings)
    capsys.readouterr()
    assert main(["--project-dir", str(settings.project_dir), "explain", GLM]) == 0
    out = capsys.readouterr().out
    assert "  usage: unavailable: 2 'No endpoints found' answers in the hour before" in out


def test_usage_command_reports_today_and_per_model_figures(settings, capsys):
    day = 1779278400.0  # 2026-05-20T12:00:00Z
    for i in range(4):
        record(settings, GLM, "ok", day - 3600 + i * 60, latency_ms=1000 + i * 1000)
    record(settings, ULTRA, "no_endpoints", day - 100)
    assert main(["--project-dir", str(settings.project_dir), "usage"], clock=lambda: day) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "today (UTC): 5 of 50 free requests used (setting daily_request_cap), 45 left; "
        "resets 2026-05-21T00:00:00Z (in 12h 00m)"
    )
    glm = next(line for line in lines if line.lstrip().startswith(GLM))
    assert "####################" in glm and glm.split()[2:6] == ["4", "100%", "2.0s", "4.0s"]
    ultra = next(line for line in lines if line.lstrip().startswith(ULTRA))
    assert "....." in ultra and ultra.rstrip().endswith("model: no_endpoints 1")
    assert lines[1].startswith("account (GET /key): no reading")  # no OPENROUTER_API_KEY: the ledger alone
    assert main(["--project-dir", str(settings.project_dir), "usage", "--json", "--days", "1"], clock=lambda: day) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["today"]["left"] == 45 and report["models"][GLM]["latencyMs"] == {"p50": 2000, "p90": 4000}


def test_usage_command_without_a_ledger_says_nothing_was_used(settings, capsys):
    assert main(["--project-dir", str(settings.project_dir), "usage"], clock=lambda: NOW) == 0
    out = capsys.readouterr().out
    assert out.startswith("today (UTC): 0 of 50 free requests used") and "no attempts recorded" in out


def test_model_ids_from_the_ledger_reach_the_terminal_without_control_characters(settings, capsys):
    record(settings, "evil/\x1b[2Jmodel:free", "ok", NOW - 60)
    assert main(["--project-dir", str(settings.project_dir), "usage"], clock=lambda: NOW) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil/?[2Jmodel:free" in out


def test_the_usage_task_check_follows_the_ledger_files(settings):
    check = ledger_unchanged(settings.files.ledger_file)
    saved = {ledger_unchanged.KEY: check._stamp()}
    assert check(None, saved) is True  # no ledger, still none
    record(settings, GLM, "ok", T)
    assert check(None, saved) is False
    assert check(None, {ledger_unchanged.KEY: check._stamp()}) is True


def test_settings_shape_the_window(settings):
    record(settings, GLM, "ok", T - 3 * 86400)
    record(settings, ULTRA, "ok", T)
    refresh_usage_summary(UsageSettings.of(replace(settings, usage_window_days=1)))
    assert list(json.loads(settings.files.usage_summary_file.read_text())["models"]) == [ULTRA]


def test_explain_small_names_the_gates_that_kept_a_model_of_unknown_size_out(settings, capsys):
    """The ledger demotes three models of known size (4B, 12B, 31B); north-mini-code (MEDIUM, whose description this
    excerpt leaves out) has no known size, so it does not win "fewest active parameters": the size gate comes before
    the tier, and the small default is nemotron-3.5-lightning, 3B, MEDIUM since the provisional models count toward
    the tier cut. The rule text and `explain small` say which gates decided."""
    sized = ["google/gemma-4-26b-a4b-it:free", "nvidia/nemotron-3-super-120b-a12b:free", "google/gemma-4-31b-it:free"]
    for model in sized:
        for i in range(6):
            record(settings, model, "ok" if i == 0 else "reasoning_only", T + i * 60)
    doc = json.loads(build(settings))
    small = doc["roles"]["smallTasksModel"]
    unknown = next(m for m in doc["models"] if m["id"] == "cohere/north-mini-code:free")
    assert (unknown["tier"], unknown["parameters"]["active"]) == ("MEDIUM", None)
    assert small["model"] == "nvidia/nemotron-3.5-lightning:free" and small["evidence"]["activeParameters"] == 3
    assert small["ruleText"].endswith(
        "available (usage ledger), not demoted (usage ledger), not deprecated, measured (no provisional estimate), "
        "evidence >= the minimum, not another role's default, active parameters known (architecture table, id tag, "
        "description or a dense size), in the small-tasks tier (MEDIUM) or above"
    )
    gates = {g["gate"]: g for g in small["gates"]}
    assert gates["notDemoted"] == {
        "gate": "notDemoted",
        "text": "not demoted (usage ledger)",
        "result": "passed",
        "setAside": [],  # the demoted ones (4B, 12B, 31B) come after the winner's 3B in the order
    }
    assert (gates["knownSize"]["result"], gates["tier"]["result"]) == ("passed", "passed")
    assert gates["requirements"]["result"] == "not applied"
    code = main(["--project-dir", str(settings.project_dir), "explain", "small"])
    out = capsys.readouterr().out
    assert code == 0 and "  smallTasksModel: nvidia/nemotron-3.5-lightning:free" in out
    assert "in the small-tasks tier (MEDIUM)" in out.split("    rule: ")[1].splitlines()[0]
    assert "    gate in the small-tasks tier (MEDIUM) or above: passed" in out
    assert "    gate not another role's default: passed" in out and "gate requirements" not in out


def client_run(settings, server, at: float) -> CompletionFailed:
    """One Client of the site (the built pools file, the site's ledger) asking for a page: every model answers as the
    server is told; the CompletionFailed it ends in."""
    from serving import client_options

    from modelpools.consumer.client import Client

    options = client_options(
        server.base_url, settings.project_dir, settings.files.pools_file, ledger_file=settings.files.ledger_file
    )

    async def main() -> CompletionFailed:
        async with Client(options=options, api_key="sk-or-v1-test", clock=lambda: at) as client:
            try:
                await client.complete(role="page", messages=[{"role": "user", "content": "Write the home page."}])
            except CompletionFailed as exc:
                return exc
        raise AssertionError("a model answered")

    return asyncio.run(main())


def two_runs_where_every_model_answers(settings, server, answer) -> list:
    """Script every model of the pools file to answer ``answer(model)``, then two client runs ten minutes apart."""
    for model in load_pools(settings.files.pools_file).ids:
        server.always(model, answer(model))
    return [client_run(settings, server, T), client_run(settings, server, T + 600)]


@pytest.mark.parametrize("body", ["404-data-policy.json", "404-data-policy-guardrail.json"])
def test_a_site_whose_privacy_settings_block_every_model_gets_one_message_and_unchanged_pools(
    settings, chat_server, body
):
    from chatserver import answer_file

    plain = build(settings)
    stops = two_runs_where_every_model_answers(settings, chat_server, lambda _model: answer_file(body))
    assert all(isinstance(stop, AccountPaused) and "openrouter.ai/settings/privacy" in str(stop) for stop in stops)
    assert build(settings) == plain and build(settings) == plain  # two builds: the defaults stay
    summary = json.loads(settings.files.usage_summary_file.read_text())
    assert {tuple(m["failureScopes"]) for m in summary["models"].values()} == {("account",)}


def test_the_same_run_with_delisted_models_does_change_the_pools(settings, chat_server):
    """The control of the test above: 'No endpoints found for <model>.' twice in the hour is the models' failure."""
    from chatserver import no_endpoints

    plain = build(settings)
    stops = two_runs_where_every_model_answers(settings, chat_server, no_endpoints)
    assert not any(isinstance(stop, AccountPaused) for stop in stops)
    assert build(settings) != plain


def test_a_summary_with_bad_scope_counts_is_a_one_line_error(settings, tmp_path):
    from modelpools.errors import DataError
    from modelpools.records import UsageSummary

    record(settings, GLM, "data_policy", T)
    refresh_usage_summary(UsageSettings.of(settings))
    path = settings.files.usage_summary_file
    assert UsageSummary.load(path).models[GLM]["failureScopes"] == {"account": 1}
    doc = json.loads(path.read_text())
    doc["models"][GLM]["failureScopes"] = {"account": "many"}
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"failureScopes.*is not an object of counts"):
        UsageSummary.load(path)


def test_real_doit_builds_keep_their_defaults_when_the_privacy_settings_block_every_model(
    tmp_path, http_server, chat_server
):
    """End to end: `doit pools`, a site's client meeting the data-policy 404 on every model, two more `doit pools`."""
    import os
    import subprocess
    import sys

    from chatserver import answer_file
    from support import TEST_DATA, Reply, new_layout_repo

    http_server.handler = lambda seen: Reply(body=(TEST_DATA / "openrouter" / "models-2026-08-18.json").read_bytes())
    repo = new_layout_repo(tmp_path / "upstream", orgs=("google", "nvidia", "openai", "qwen", "zai-org"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "dodo.py").write_text("from modelpools.tasks import *\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{http_server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": repo.as_uri(),
    }

    def doit_pools() -> bytes:
        result = subprocess.run(
            [sys.executable, "-m", "doit", "pools"], cwd=site, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return (site / ".cache" / "model-pools.json").read_bytes()

    plain = doit_pools()
    s = Settings(project_dir=site)
    for model in load_pools(s.files.pools_file).ids:
        chat_server.always(model, answer_file("404-data-policy.json"))
    stops = [client_run(s, chat_server, time.time() - 60), client_run(s, chat_server, time.time())]
    assert all(isinstance(stop, AccountPaused) for stop in stops) and len(chat_server.requests) > 2
    assert doit_pools() == plain and doit_pools() == plain
    summary = json.loads(s.files.usage_summary_file.read_text())  # the usage task read the ledger
    assert summary["models"] and all(m["failureScopes"] == {"account": 2} for m in summary["models"].values())
