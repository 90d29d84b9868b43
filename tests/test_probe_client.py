"""The probe task's action through the real chat client and ledger, against a loopback chat server whose simulated
models answer the probe right with different probabilities: their order is recovered, the daily budget holds across
processes, hostile or enormous answers score wrong without harm, and a model failing every attempt is unreachable.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from chatserver import error_file, huge, ok, server_error, solver
from test_pools import CURATED, write_inputs

from modelpools.consumer.client import Client, ClientOptions
from modelpools.errors import DailyCapReached, ModelPoolsError
from modelpools.records import ProbeResults
from modelpools.rules.probe import probe_set_id
from modelpools.settings import Settings
from modelpools.slices import ProbeSettings
from modelpools.stages import pools
from modelpools.stages.probe import PROBE_ROLE, run_probe

KEY = "sk-or-v1-probe-test-0123456789"
NOON = 1_787_054_400.0  # 2026-08-18T12:00:00Z
TOP, LOW, MID = (
    "z-ai/glm-5.2:free",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
    "cohere/north-mini-code:free",
)  # the anchors: best, worst and middle of the well-evidenced ranked models
DOTS, LAGUNA, NANO12 = (
    "dots-studio/dots-3-note-preview:free",
    "poolside/laguna-xs-2.1:free",
    "nvidia/nemotron-nano-12b-v2-vl:free",
)  # unranked: no benchmark covers them
NANO9, SAFETY = "nvidia/nemotron-nano-9b-v2:free", "nvidia/nemotron-3.5-content-safety:free"  # SAFETY: not for code
LFM = "liquid/lfm-2.5-2.6b:free"  # ranked on thin evidence (1.6 units): probed too
EVERY = (TOP, MID, LOW, DOTS, LAGUNA, NANO12, NANO9, SAFETY, LFM)


@pytest.fixture
def site(tmp_path, monkeypatch, server):
    monkeypatch.setattr(pools.CuratedScores, "load", lambda path=None: pools.CuratedScores(tuple(CURATED)))
    settings = Settings(
        project_dir=tmp_path,
        probe=True,
        openrouter_api_base=server.base_url,
        requests_per_minute=0,
        daily_request_cap=1000,
        probe_daily_requests=200,
        client_timeout=5,
    )
    write_inputs(settings)
    return settings


def probe(settings: Settings, clock: float = NOON, key: str = KEY) -> str:
    return run_probe(ProbeSettings.of(settings), clock=lambda: clock, environ={"OPENROUTER_API_KEY": key})


def results(settings: Settings) -> ProbeResults:
    return ProbeResults.load_or_empty(settings.files.probe_results_file, probe_set_id())


def ledger(settings: Settings, sql: str) -> list[tuple]:
    with sqlite3.connect(settings.files.ledger_file) as db:
        return db.execute(sql).fetchall()


def test_probing_through_the_client_recovers_the_order_of_simulated_models(site, server):
    skill = {TOP: 0.95, DOTS: 0.8, LAGUNA: 0.65, MID: 0.5, NANO12: 0.35, LOW: 0.2, LFM: 0.05}
    for i, (model, accuracy) in enumerate(skill.items()):
        server.respond(model, solver(accuracy, seed=i))
    server.always(NANO9, server_error(503))
    summary = probe(site)
    found = results(site)
    accuracy = {m: t.accuracy for m, t in found.tallies().items()}
    assert sorted(accuracy, key=accuracy.get, reverse=True) == list(skill)  # 90 items each
    assert {t.answered for t in found.tallies().values()} == {90}
    # asked once, failed: unreachable today, never a zero score
    assert found.models[NANO9].unreachable_day == "2026-08-18" and found.models[NANO9].answered == 0
    assert server.models_asked().count(NANO9) == 1 and SAFETY not in server.models_asked()  # not for code
    assert "unreachable today: nvidia/nemotron-nano-9b-v2:free" in summary
    # one planned request, one ledger attempt, under the probe role; no prompt or reply text stored
    assert ledger(site, "SELECT role, count(*) FROM attempts GROUP BY role") == [(PROBE_ROLE, 7 * 9 + 1)]
    assert len(server.requests) == 7 * 9 + 1 and {r["temperature"] for r in server.requests} == {0}
    assert b"ANSWER" not in site.files.ledger_file.read_bytes()
    # the same day again: every model has its items or is unreachable today, nothing is sent
    assert "nothing to probe today" in probe(site) and len(server.requests) == 64


def test_hostile_malformed_and_enormous_answers_score_wrong_without_harm(site, server, tmp_path):
    marker = tmp_path / "pwned"
    hostile = "\n".join(f"ANSWER {n}: __import__('os').system('touch {marker}')" for n in range(1, 11))
    nested = "ANSWER 1: " + "[" * 5000 + "]" * 5000
    server.always(DOTS, ok(hostile)).always(LAGUNA, ok(nested)).always(NANO12, huge(300_000))
    server.always(NANO9, ok("ANSWER 1: {'a': 1} + 2\nANSWER 2: )(\nANSWER 3: 1e999999"))
    site = replace(site, probe_daily_requests=10, probe_anchors=0)  # 5 candidates, 2 requests each
    probe(site)
    tallies = results(site).tallies()
    assert {m: (t.answered, t.correct) for m, t in tallies.items() if m in (DOTS, LAGUNA, NANO12, NANO9)} == {
        DOTS: (20, 0),
        LAGUNA: (20, 0),
        NANO12: (20, 0),
        NANO9: (20, 0),
    }
    assert not marker.exists()


def test_the_daily_budget_holds_across_processes_and_leaves_the_site_its_share(site, server):
    site = replace(site, daily_request_cap=12, probe_daily_requests=4)
    for model in EVERY:
        server.respond(model, solver(0.5))
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_probe_client import *\n"
        f"import pickle; settings = pickle.loads({__import__('pickle').dumps(site)!r})\n"
        "pools.CuratedScores.load = lambda path=None: pools.CuratedScores(tuple(CURATED))\n"
        "print(probe(settings, clock=__import__('time').time()))\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in runs]
    assert all(p.returncode == 0 for p in runs), outputs
    # each process planned 4 requests from the same ledger; the ledger granted 4 in all
    assert ledger(site, "SELECT count(*) FROM attempts WHERE role = 'probe'") == [(4,)]
    assert len(server.requests) == 4

    async def site_generation():
        options = ClientOptions(
            base_url=server.base_url,
            ledger_file=site.files.ledger_file,
            pools_file=None,
            requests_per_minute=0,
            daily_cap=12,
        )
        from modelpools.consumer.pools_view import load_pools

        sample = load_pools(Path(__file__).parent / "data" / "pools-sample.json")
        async with Client(options=options, api_key=KEY, pools=sample) as client:
            done = 0
            while True:
                try:
                    await client.complete(role="page", messages=[{"role": "user", "content": "hi"}])
                except DailyCapReached:
                    return done
                done += 1

    import asyncio

    assert asyncio.run(site_generation()) == 8  # the site keeps 12 - 4 and gets every one of them


def test_a_probe_never_takes_the_site_share_when_the_site_used_it_first(site, server):
    site = replace(site, daily_request_cap=10, probe_daily_requests=4)
    with __import__("modelpools.consumer.ledger", fromlist=["Ledger"]).Ledger(site.files.ledger_file) as book:
        for i in range(8):  # the site already used 8 of its 6 + 2 of the probe's
            book.reserve(model=TOP, role="pageModel", now=NOON - 3600 + i)
    summary = probe(site)
    assert len(server.requests) == 2 and "2 of 2 planned request(s) answered" in summary


def test_the_daily_cap_answer_stops_the_round_and_keeps_what_was_measured(site, server):
    site = replace(site, probe_anchors=0, probe_daily_requests=30)
    server.respond(DOTS, solver(0.9))
    server.script(LAGUNA, ok("ANSWER 1: 1"), error_file("429-free-models-per-day.json"))
    server.always(LAGUNA, error_file("429-free-models-per-day.json"))
    summary = probe(site)
    assert "stopped: " in summary and "daily" in summary
    assert results(site).models[LAGUNA].answered == 10  # the first batch stays


def test_without_a_key_nothing_is_sent_and_results_are_kept(site, server):
    summary = probe(site, key="")
    assert "OPENROUTER_API_KEY is not set" in summary and server.requests == []
    assert json.loads(site.files.probe_results_file.read_text())["models"] == []


def test_a_bad_key_fails_in_one_line_after_writing_what_was_measured(site, server):
    body = json.dumps({"error": {"message": "No auth credentials found", "code": 401}}).encode()
    for model in EVERY:
        server.always(model, type(ok())(401, body))
    with pytest.raises(ModelPoolsError, match="probe stopped after writing what it measured") as info:
        probe(replace(site, probe_daily_requests=3))
    assert "\n" not in str(info.value) and KEY not in str(info.value)
    assert site.files.probe_results_file.exists()
    assert not any(r.unreachable_day for r in results(site).models.values())  # not the models' fault


def explain(site, capsys) -> str:
    """`modelpools explain DOTS` (the site's pyproject turns the probe on, as the build had it)."""
    from modelpools.cli import main

    (site.project_dir / "pyproject.toml").write_text("[tool.modelpools]\nprobe = true\n")
    capsys.readouterr()
    assert main(["--project-dir", str(site.project_dir), "explain", DOTS]) == 0
    return capsys.readouterr().out


def test_probed_models_are_ranked_as_probed_with_their_uncertainty_once_the_anchors_calibrate_it(site, server, capsys):
    from modelpools.slices import PoolsSettings

    skill = {TOP: 0.95, DOTS: 0.8, LAGUNA: 0.65, MID: 0.5, NANO12: 0.35, LOW: 0.2, LFM: 0.05}
    for i, (model, accuracy) in enumerate(skill.items()):
        server.respond(model, solver(accuracy, seed=i))
    server.always(NANO9, server_error(503))
    pools.build_pools(PoolsSettings.of(replace(site, probe=False)), clock=lambda: NOON)
    without = json.loads(site.files.pools_file.read_text())
    probe(site)
    pools.build_pools(PoolsSettings.of(site), clock=lambda: NOON)
    doc = json.loads(site.files.pools_file.read_text())
    ranked = {m["id"]: m for m in doc["models"]}
    provisional_before = {m["id"] for m in without["models"] if m.get("provisional")}  # nothing measured them
    assert {DOTS, LAGUNA, NANO12} <= provisional_before and not any(ranked[m].get("provisional") for m in skill)
    assert ranked[NANO9]["provisional"]  # unreachable: still provisional (the listing's prior), not scored zero
    [source] = ranked[DOTS]["scoreSources"]
    assert source["source"] == "probe" and source["items"] == 90 and source["probeSet"] == probe_set_id()
    assert source["interval"][0] < source["raw"] < source["interval"][1]
    assert ranked[DOTS]["thinEvidence"] and ranked[DOTS]["uncertainty"] > 5  # thin: ranked, never a default alone
    assert ranked[DOTS]["codingScore"] > ranked[LAGUNA]["codingScore"] > ranked[NANO12]["codingScore"]
    assert doc["calibration"]["probe"]["points"] == 3 and doc["calibration"]["probe"]["slope"] > 0
    assert set(doc["chosenDefaults"].values()).isdisjoint({DOTS, LAGUNA, NANO12})
    out = explain(site, capsys)
    assert "(thin: below the minimum)" in out
    assert re.search(
        r"source probe: raw [\d.]+ -> calibrated [\d.]+ ±[\d.]+, .*probed: [\d.]+% right of 90 items "
        rf"\(90% interval [\d.]+-[\d.]+%\), probe set {probe_set_id()}",
        out,
    ), out
    # the probe's results count only while it is enabled: off gives the pools of a build without it
    pools.build_pools(PoolsSettings.of(replace(site, probe=False)), clock=lambda: NOON)
    assert json.loads(site.files.pools_file.read_text())["models"] == without["models"]


def test_a_real_doit_build_with_the_probe_ranks_an_unbenchmarked_model_within_the_site_quota(
    tmp_path, http_server, server
):
    """End to end: `doit pools` with probe = true and a key, OpenRouter's catalog and chat endpoints on loopback."""
    import os

    from support import TEST_DATA, Reply, new_layout_repo

    http_server.handler = lambda seen: Reply(body=(TEST_DATA / "openrouter" / "models-2026-08-18.json").read_bytes())
    repo = new_layout_repo(
        tmp_path / "upstream", orgs=("deepseek", "google", "meta", "mistral", "nvidia", "openai", "qwen", "zai-org")
    )
    skill = {TOP: 0.9, MID: 0.5, LOW: 0.2, DOTS: 0.85, LAGUNA: 0.8}  # the anchors as good as their scores say
    for i, model in enumerate(EVERY):
        server.respond(model, solver(skill.get(model, 0.4), seed=i))
    site = tmp_path / "site"
    site.mkdir()
    (site / "dodo.py").write_text("from modelpools.tasks import *\n")
    (site / "pyproject.toml").write_text("[tool.modelpools]\nprobe = true\n")  # the defaults: 20 of the 50 a day
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{http_server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": repo.as_uri(),
        "MODELPOOLS_OPENROUTER_API_BASE": server.base_url,
        "MODELPOOLS_REQUESTS_PER_MINUTE": "0",
        "OPENROUTER_API_KEY": KEY,
    }

    def doit() -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "doit", "pools"], cwd=site, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    first = doit()
    assert (
        ".  probe" in first.stdout
        and "probe linear on 3 anchors" in first.stdout
        and "20 of 20 planned request(s) answered" in first.stdout
    )
    assert KEY not in first.stdout + first.stderr
    doc = json.loads((site / ".cache" / "model-pools.json").read_text())
    probed = {m["id"]: m for m in doc["models"] if any(s["source"] == "probe" for s in m["scoreSources"])}
    new = [mid for mid, m in probed.items() if [s["source"] for s in m["scoreSources"]] == ["probe"]]
    assert DOTS in new and probed[DOTS]["uncertainty"] > 0 and probed[DOTS]["thinEvidence"]
    assert doc["calibration"]["probe"]["points"] >= 3
    with sqlite3.connect(site / ".cache" / "usage.sqlite") as db:
        assert db.execute("SELECT role, count(*) FROM attempts GROUP BY role").fetchall() == [(PROBE_ROLE, 20)]
    # the same day: the probe is up to date, nothing more is sent, the site keeps its 30
    assert ".  probe" not in doit().stdout and len(server.requests) == 20
