"""The ``modelpools`` command line: show, explain, diff, check; exit codes and --json."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import modelpools_command

from modelpools.cli import main
from modelpools.jsonbytes import dump_json
from modelpools.records import BenchmarkScores, CatalogCache
from modelpools.settings import Settings

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
NOW = 1_787_000_000.0  # 2026-08-17

DEFAULTS = Settings()


@pytest.fixture
def cache(tmp_path, test_data) -> Path:
    """A cache as a healthy offline build leaves it: pools, catalog of real ids, match report, meta files."""
    cache = tmp_path / "cache"
    cache.mkdir()
    dump = json.loads((test_data / "openrouter" / "models-2026-08-18.json").read_text(encoding="utf-8"))
    free = sorted((m for m in dump["data"] if m["id"].endswith(":free")), key=lambda m: m["id"])
    catalog = CatalogCache.live(
        [{"id": m["id"], "name": m["name"], "context_length": m["context_length"]} for m in free],
        [],
        "https://openrouter.ai/api/v1/models",
    ).dump()
    (cache / "openrouter-models.json").write_bytes(catalog)
    pools = json.loads(SAMPLE.read_bytes())  # built from this catalog, as the pools stage records it
    pools["inputs"]["catalogSha256"] = hashlib.sha256(catalog).hexdigest()
    (cache / "model-pools.json").write_bytes(dump_json(pools))
    (cache / "benchmark-scores.json").write_bytes(
        BenchmarkScores("https://example.org/llm-stats.git", None, None, ()).dump()
    )
    (cache / "model-matches.json").write_bytes(
        dump_json(
            {
                "schemaVersion": 1,
                "fuzzyThreshold": 70,
                "matches": [
                    {
                        "id": "cohere/north-mini-code:free",
                        "benchmarkId": None,
                        "method": "none",
                        "confidence": 0.0,
                        "candidates": [{"id": "cohere/command-a", "score": 52}],
                        "note": "no candidate above 70",
                    }
                ],
                "reference": [],
            }
        )
    )
    # meta files as a default-configured site writes them (nothing here is fetched)
    _meta(cache / "openrouter-models.meta.json", DEFAULTS.openrouter_url, "ok", NOW - 3600)
    _meta(
        cache / "llm-stats.meta.json",
        DEFAULTS.benchmarks_repo,
        "curated-only",
        None,
        lastError="offline (MODELPOOLS_OFFLINE=1)",
    )
    return cache


def _meta(path: Path, source: str, status: str, refreshed: float | None, **extra) -> None:
    path.write_bytes(
        dump_json(
            {
                "source": source,
                "status": status,
                "refreshedAt": refreshed,
                "attemptedAt": NOW - 60,
                "lastError": None,
                **extra,
            }
        )
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=lambda: NOW)
    out, err = capsys.readouterr()
    return code, out, err


def test_show_prints_tiers_best_first(cache, capsys):
    code, out, _ = run(capsys, "--cache-dir", str(cache), "show")
    assert code == 0
    assert out.index("ordered by score = estimate - sd") < out.index("LARGE (2)")
    assert (
        out.index("LARGE (2)")
        < out.index("1   62.9      65.8 ± 2.9    256000  z-ai/glm-5.2:free")
        < out.index("MEDIUM (4)")
    )
    assert out.index("MEDIUM (4)") < out.index("  google/gemma-4-26b-a4b-it:free") < out.index("SMALL (5)")
    assert "bulkModel=z-ai/glm-5.2:free" in out and "unranked (5)" in out
    assert "  nvidia/nemotron-nano-9b-v2:free  [thin evidence]" in out  # one self-reported result
    assert "excluded (1, not for code): nvidia/nemotron-3.5-content-safety:free" in out


def test_show_json(cache, capsys):
    code, out, _ = run(capsys, "--cache-dir", str(cache), "show", "--json")
    data = json.loads(out)
    assert code == 0 and [t["name"] for t in data["tiers"]] == ["LARGE", "MEDIUM", "SMALL"]
    assert data["tiers"][0]["models"][0] == {
        "id": "z-ai/glm-5.2:free",
        "name": "Z.ai: GLM 5.2 (free)",
        "rank": 1,
        "codingScore": 62.9,  # what the models are ranked by: estimate - uncertainty
        "estimate": 65.81,
        "uncertainty": 2.91,
        "deprecated": None,
        "thinEvidence": False,
        "contextLength": 256000,
    }
    assert data["summary"]["ranked"] == 11


def test_explain_ranked_model(cache, capsys):
    code, out, _ = run(capsys, "--cache-dir", str(cache), "explain", "openai/gpt-oss-20b")  # ":free" may be left off
    assert code == 0
    assert "tier SMALL, rank 8" in out
    assert (
        "why: rank 8 of 11 ranked; LARGE holds ranks 1-2 (ceil(11 x 0.15) = 2), MEDIUM ranks 3-6 "
        "(up to ceil(11 x 0.5) = 6), SMALL ranks 7-11 (the rest) -> SMALL"
    ) in out
    assert (
        "estimate 20.5 ±2.9, ranked by 17.6 (estimate - uncertainty); evidence 6 units; prior 18 ±12 (10-40B)"
    ) in out
    assert "source artificial_analysis: raw 20.7 -> calibrated 20.7 ±3.0, 6 units" in out
    assert "match: exact -> openai/gpt-oss-20b (confidence 1.00)" in out


def test_explain_states_the_rounded_up_cutoff_behind_the_tier(cache, capsys):
    # rank 2 of 11 is the top 18 %, yet LARGE: tiers round up, LARGE = ceil(11 x 0.15) = 2 models.
    _, out, _ = run(capsys, "--cache-dir", str(cache), "explain", "nvidia/nemotron-3-ultra-550b-a55b:free")
    assert "why: rank 2 of 11 ranked; LARGE holds ranks 1-2 (ceil(11 x 0.15) = 2)," in out and "top 15%" not in out
    assert out.split("why: ")[1].splitlines()[0].endswith("-> LARGE")


def test_explain_reads_the_cutoffs_from_the_pools_file(cache, tmp_path, capsys):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))  # two ranked models: MEDIUM gets one at least
    doc["models"] = doc["models"][:2]
    doc["models"][1]["tier"] = "MEDIUM"
    doc["tiers"] = [
        {"name": "LARGE", "models": [doc["models"][0]["id"]]},
        {"name": "MEDIUM", "models": [doc["models"][1]["id"]]},
        {"name": "SMALL", "models": []},
    ]
    doc["chosenDefaults"].update(pageModel=doc["models"][1]["id"], smallTasksModel=doc["models"][1]["id"])
    for role in ("pageModel", "smallTasksModel"):
        doc["roles"][role].update(model=doc["models"][1]["id"], runnersUp=[])
    doc["summary"].update(ranked=2, freeModels=2 + len(doc["unranked"]), tiers={"LARGE": 1, "MEDIUM": 1, "SMALL": 0})
    doc["inputs"]["settings"].update(large_cutoff=0.3, medium_cutoff=0.4)
    (cache / "model-pools.json").write_bytes(dump_json(doc))
    (tmp_path / "pyproject.toml").write_text("[tool.modelpools]\nlarge_cutoff = 0.9\nmedium_cutoff = 0.95\n")
    code, out, _ = run(
        capsys, "--project-dir", str(tmp_path), "--cache-dir", str(cache), "--json", "explain", doc["models"][1]["id"]
    )
    assert code == 0 and json.loads(out)["why"] == (
        "rank 2 of 2 ranked; LARGE holds rank 1 (ceil(2 x 0.3) = 1), MEDIUM rank 2 (up to ceil(2 x 0.4) = 1, raised "
        "to 2: MEDIUM holds at least one model when any is left), SMALL no ranks (the rest) -> MEDIUM"
    )


def test_explain_json_includes_match_report_candidates(cache, capsys):
    code, out, _ = run(capsys, "--json", "--cache-dir", str(cache), "explain", "cohere/north-mini-code:free")
    data = json.loads(out)
    assert code == 0 and data["tier"] == "MEDIUM" and data["rank"] == 6
    assert data["matchReport"]["candidates"] == [{"id": "cohere/command-a", "score": 52}]
    assert data["scoreSources"][0]["source"] == "artificial_analysis"


def test_explain_default_and_unranked(cache, capsys):
    _, out, _ = run(capsys, "--cache-dir", str(cache), "explain", "cohere/north-mini-code:free")
    assert "default for: smallTasksModel" in out
    assert (
        "    rule: cheapest adequate model: fewest active parameters (unknown counts as the most), then the higher "
        "conservative score"
    ) in out
    assert "    runner-up: google/gemma-4-26b-a4b-it:free: estimate 38.0 ±2.9" in out and "4B active" in out
    code, out, _ = run(capsys, "--cache-dir", str(cache), "explain", "page")  # a role: why its default won
    assert code == 0 and out.splitlines()[0] == "  pageModel: nvidia/nemotron-3-ultra-550b-a55b:free"
    assert (
        "web:models/website" in out.splitlines()[2] and len([ln for ln in out.splitlines() if "runner-up" in ln]) == 2
    )
    code, out, _ = run(capsys, "--cache-dir", str(cache), "explain", "poolside/laguna-s-2.1:free")
    assert code == 0 and "unranked: no coding score" in out


@pytest.mark.parametrize("model_id", ["nvidia/nemotron-3.5-content-safety:free", "nvidia/nemotron-3.5-content-safety"])
def test_explain_an_excluded_model_says_it_is_excluded_and_why(cache, capsys, model_id):
    code, out, err = run(capsys, "--cache-dir", str(cache), "explain", model_id)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "nvidia/nemotron-3.5-content-safety:free  (NVIDIA: Nemotron 3.5 Content Safety (free))",
        "  excluded from the pools: not a code-writing model (content-safety model, by its id)",
    ]
    code, out, _ = run(capsys, "--cache-dir", str(cache), "explain", model_id, "--json")
    data = json.loads(out)
    assert (data["excluded"], data["reason"]) == (True, "not a code-writing model (content-safety model, by its id)")


def test_explain_unknown_id_is_one_line_error_with_suggestions(cache, capsys):
    code, out, err = run(capsys, "--cache-dir", str(cache), "explain", "openai/gpt-oss-20:free")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "did you mean openai/gpt-oss-20b:free" in err


def test_diff_reports_changes(cache, tmp_path, capsys):
    new = json.loads(SAMPLE.read_text(encoding="utf-8"))
    new["unranked"] = [u for u in new["unranked"] if u["id"] != "liquid/lfm-2.5-2.6b:free"]
    new["summary"].update(unranked=4, freeModels=15)
    path = tmp_path / "new.json"
    path.write_bytes(dump_json(new))
    code, out, _ = run(capsys, "--cache-dir", str(cache), "diff", str(SAMPLE), str(path))
    assert (code, out) == (
        0,
        "- liquid/lfm-2.5-2.6b:free (was unranked)\n",
    )
    code, out, _ = run(capsys, "diff", "--json", str(SAMPLE), str(path))
    assert json.loads(out)["removed"] == [{"id": "liquid/lfm-2.5-2.6b:free", "tier": None}]


def test_diff_of_identical_files_says_no_changes(tmp_path, capsys):
    code, out, _ = run(capsys, "diff", str(SAMPLE), str(SAMPLE))
    assert code == 0 and out.splitlines() == ["no changes"]  # the unranked model that expires is not warned about
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["models"][0]["expirationDate"] = "2026-08-20"
    expiring = tmp_path / "expiring.json"
    expiring.write_bytes(dump_json(doc))
    code, out, _ = run(capsys, "diff", str(expiring), str(expiring))
    assert code == 0 and out.splitlines() == [
        "no changes; 1 ranked model in both expired or expiring within 7 days:",
        "! z-ai/glm-5.2:free (LARGE) expires in 3 days (2026-08-20)",
    ]


def test_diff_of_an_invalid_file_exits_2(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, _, err = run(capsys, "diff", str(SAMPLE), str(broken))
    assert code == 2 and "not valid JSON" in err and err.count("\n") == 1


def test_check_healthy_cache_passes_with_fallback_warning(cache, capsys):
    code, out, _ = run(capsys, "--cache-dir", str(cache), "check")
    assert code == 0
    assert "ok    pools valid:" in out and "valid (schema, invariants and catalog cache)" in out
    assert "ok    catalog cache: age 1 h (ttl 24 h)" in out
    assert "warn  benchmarks cache: fallback in use (status curated-only)" in out
    # only an unranked model expires in the sample: never handed out, so `check`, `diff` and `doit pools` are quiet
    assert "ok    expiry: no ranked model expires within 7 days" in out
    assert out.rstrip().endswith("0 failed, 1 warnings")


def test_check_stops_on_a_misspelt_role_requirement_with_the_closest_name(cache, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.modelpools.roles.agentModel]\nrule = "coding"\nrequires = ["tool"]\n'
    )
    code, out, err = run(capsys, "--project-dir", str(tmp_path), "--cache-dir", str(cache), "check")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("modelpools: error: [tool.modelpools] roles in ") and "(did you mean tools?)" in err


def test_check_warns_about_ranked_models_expiring_within_the_warning_days(cache, capsys):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ranked = {m["id"]: m for m in doc["models"]}
    ranked["openai/gpt-oss-20b:free"]["expirationDate"] = "2026-08-22"  # NOW is 2026-08-17
    ranked["nvidia/nemotron-nano-9b-v2:free"]["expirationDate"] = "2026-08-25"  # 8 days: outside the default 7
    (cache / "model-pools.json").write_bytes(dump_json(doc))
    _, out, _ = run(capsys, "--cache-dir", str(cache), "check")
    assert "warn  expiry: openai/gpt-oss-20b:free (SMALL) expires in 5d (2026-08-22)\n" in out
    assert "nemotron-nano-9b-v2:free" not in out.split("expiry:")[1].splitlines()[0]
    assert "nemotron-nano-12b-v2-vl" not in out  # unranked: never handed out


def test_check_reports_stale_catalog(cache, capsys):
    _meta(cache / "openrouter-models.meta.json", DEFAULTS.openrouter_url, "ok", NOW - 3 * 86400)
    code, out, _ = run(capsys, "--json", "--cache-dir", str(cache), "check")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 0 and checks["catalog cache"]["status"] == "warn" and "stale" in checks["catalog cache"]["detail"]


def test_check_warns_when_cache_came_from_another_source(cache, capsys):
    _meta(cache / "openrouter-models.meta.json", "http://127.0.0.1:9/models", "ok", NOW - 60)
    _, out, _ = run(capsys, "--cache-dir", str(cache), "check")
    assert "warn  catalog cache: built from http://127.0.0.1:9/models, not the configured" in out


def test_check_fails_on_missing_or_invalid_pools(cache, capsys):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["models"][0]["rank"] = 2
    (cache / "model-pools.json").write_bytes(dump_json(doc))
    code, out, _ = run(capsys, "--cache-dir", str(cache), "check")
    assert code == 1 and "FAIL  pools valid:" in out and "$.models[0].rank" in out
    (cache / "model-pools.json").unlink()
    code, out, _ = run(capsys, "--json", "--cache-dir", str(cache), "check")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert {
        "name": "pools file",
        "status": "fail",
        "detail": f"missing: {cache / 'model-pools.json'}; run `doit pools`",
    } in data["checks"]


def test_show_without_pools_file_exits_2(tmp_path, capsys):
    code, out, err = run(capsys, "--cache-dir", str(tmp_path), "show")
    assert code == 2 and out == "" and err.startswith("modelpools: error: pools file not found at ")
    assert err.rstrip().endswith("run `doit pools`")


def test_hints_name_the_configured_task_prefix(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MODELPOOLS_TASK_PREFIX", "models-")
    code, _, err = run(capsys, "--cache-dir", str(tmp_path), "explain", "z-ai/glm-5.2:free")
    assert code == 2 and err.rstrip().endswith("run `doit models-pools`") and err.count("\n") == 1
    _, out, _ = run(capsys, "--json", "--cache-dir", str(tmp_path), "check")
    assert {c["name"]: c["detail"] for c in json.loads(out)["checks"]}["pools file"].endswith("`doit models-pools`")


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_are_accepted_before_and_after_the_command(cache, tmp_path, capsys, where):
    project = tmp_path / "site"
    project.mkdir()
    (project / "pyproject.toml").write_text(f"[tool.modelpools]\ncache_dir = {json.dumps(str(cache))}\n")
    options = ["--json", "--project-dir", str(project)]
    argv = [*options, "show"] if where == "before" else ["show", *options]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert json.loads(out)["tiers"][0]["models"][0]["id"] == "z-ai/glm-5.2:free"  # read from the project's cache


def test_a_global_option_after_the_command_wins_over_the_same_before_it(cache, tmp_path, capsys):
    code, out, _ = run(capsys, "--cache-dir", str(tmp_path / "empty"), "check", "--cache-dir", str(cache))
    assert code == 0 and "ok    pools file" in out


@pytest.mark.parametrize(
    ("pyproject", "env", "expected"),
    [
        (
            '[tool.modelpool]\ncatalog_ttl = "12h"\n',
            {},
            "unknown table [tool.modelpool] (did you mean [tool.modelpools]?)",
        ),
        ("", {"MODELPOOLS_STRICT": ""}, "MODELPOOLS_STRICT is set but empty; set it to a boolean"),
    ],
)
def test_check_stops_on_a_misspelt_table_or_an_empty_variable(cache, tmp_path, pyproject, env, expected):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")}
    result = subprocess.run(
        [sys.executable, "-m", "modelpools", "--cache-dir", str(cache), "check"],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2


def test_a_closed_stdout_pipe_exits_quietly(cache):
    # `python -m modelpools show --json | head -5`, with the reader already gone: no BrokenPipeError traceback.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "modelpools", "--cache-dir", str(cache), "show", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, "")


def test_python_dash_m_runs_the_cli(cache):
    result = subprocess.run(
        [sys.executable, "-m", "modelpools", "--cache-dir", str(cache), "show", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["chosenDefaults"]["bulkModel"] == "z-ai/glm-5.2:free"


def test_check_applies_the_same_freshness_rule_as_doit(cache, capsys, monkeypatch):
    # a fresh catalog built without non-text models is stale once include_non_text is set: doit refetches it
    monkeypatch.setenv("MODELPOOLS_INCLUDE_NON_TEXT", "1")
    code, out, _ = run(capsys, "--json", "--cache-dir", str(cache), "check")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 0 and checks["catalog cache"]["status"] == "warn"
    assert "stale or built with other settings" in checks["catalog cache"]["detail"]


@pytest.mark.parametrize("stored", [float("inf"), 1e17, -5.0])
def test_usage_and_report_read_a_bogus_stored_reset_as_no_information(cache, tmp_path, stored):
    import time

    from modelpools.consumer.ledger import Ledger

    with Ledger(cache / "usage.sqlite") as ledger:  # what an older version stored from a hostile daily-cap answer
        attempt = ledger.reserve(model="z-ai/glm-5.2:free", role="page", now=time.time()).attempt_id
        ledger.finish(attempt, outcome="daily_cap", status=429, latency_ms=5, rate_limit=2**40, rate_reset=stored)
    for command in (["usage"], ["report", "--out", str(tmp_path / "report.html")]):
        result = modelpools_command("--cache-dir", str(cache), *command)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
    today = json.loads(modelpools_command("--cache-dir", str(cache), "--json", "usage").stdout)["today"]
    assert today["resetsAt"].endswith("T00:00:00Z") and today["limit"] == DEFAULTS.daily_request_cap


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "1e300", "1" + "0" * 400])
def test_check_names_an_infinite_or_huge_duration_setting_in_one_line(tmp_path, value):
    (tmp_path / "pyproject.toml").write_text(f"[tool.modelpools]\ncatalog_ttl = {value}\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")}
    result = subprocess.run(
        [sys.executable, "-m", "modelpools", "--project-dir", str(tmp_path), "check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "catalog_ttl in " in result.stderr and "invalid value" in result.stderr
    assert "expected a duration of at most" in result.stderr
