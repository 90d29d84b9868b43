"""The example site: render_pools_html on the sample, and an offline ``doit site`` run twice (second: up to date)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from phone import view_on_phone

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "examples" / "site"
SAMPLE = ROOT / "tests" / "data" / "pools-sample.json"


def _load_render():
    spec = importlib.util.spec_from_file_location("example_site_render", SITE / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_render()


@pytest.fixture
def doc() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_page_shows_defaults_tiers_and_a_bar_per_ranked_model(doc):
    page = render.render_pools_html(doc)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<td>Bulk generation</td><td><code>z-ai/glm-5.2:free</code></td><td class="num">62.9</td>' in page
    assert page.count("<rect ") == 11 and page.count("<svg ") == 1
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', page)]
    # one bar per ranked model in rank order, as long as the score it is ranked by (estimate - uncertainty)
    assert widths == [round(360 * m["codingScore"] / 100, 1) for m in doc["models"]]
    for tier, count in (("LARGE", 2), ("MEDIUM", 4), ("SMALL", 5)):
        assert f">{tier}</span> {count} models</h2>" in page
    assert "poolside/laguna-xs-2.1:free" in page and "1M" in page  # unranked list, 1,000,000-token context
    assert (
        '<p class="provenance">Data: catalog: live from https://openrouter.ai/api/v1/models; '
        "benchmarks: LLM-Stats commit 24a9ccf74023 of 2025-10-16</p>"
    ) in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium for a real headless browser")
@pytest.mark.parametrize("width", [360, 390])
def test_page_fits_a_phone_without_sideways_scrolling(doc, tmp_path, width):
    page = tmp_path / "index.html"
    page.write_text(render.render_pools_html(doc), encoding="utf-8")
    chart = "(s => s.getBoundingClientRect().width / s.width.baseVal.value)(document.querySelector('svg'))"
    view = view_on_phone(shutil.which("chromium"), page.as_uri(), tmp_path / "profile", width, measure={"chart": chart})
    assert view.inner_width == width  # the page's <meta name="viewport"> applied, as on a phone
    assert view.scroll_width <= width and view.too_wide == "[]", view.too_wide  # tables and chart scroll in their box
    assert view.measured["chart"] == 1  # the chart keeps its 12 px labels instead of shrinking to the screen


def test_page_has_no_script_and_loads_nothing(doc):
    page = render.render_pools_html(doc)
    assert "<script" not in page.lower() and " src=" not in page and "href=" not in page
    assert render.render_pools_html(copy.deepcopy(doc)) == page  # deterministic


def test_all_data_is_html_escaped(doc):
    doc["models"][0]["name"] = '<script>alert("x")</script>'
    doc["models"][1]["id"] = doc["chosenDefaults"]["pageModel"] = 'evil/"><img src=x onerror=1>:free'
    doc["tiers"][0]["models"][1] = doc["models"][1]["id"]
    doc["unranked"][0]["reason"] = "a & b < c"
    page = render.render_pools_html(doc)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "evil/&quot;&gt;&lt;img src=x onerror=1&gt;:free" in page and "a &amp; b &lt; c" in page


def test_write_site_writes_only_on_change(tmp_path):
    out = tmp_path / "_site" / "index.html"
    assert render.write_site(SAMPLE, out) is True
    assert render.write_site(SAMPLE, out) is False
    assert "nvidia/nemotron-3-ultra-550b-a55b:free" in out.read_text(encoding="utf-8")


def _tasks_importable() -> bool:
    try:
        import modelpools.tasks  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _tasks_importable(), reason="modelpools.tasks is not importable yet (the lead writes it)")
def test_doit_site_offline_twice_second_run_is_up_to_date(tmp_path):
    project = tmp_path / "site"
    shutil.copytree(SITE, project, ignore=shutil.ignore_patterns(".cache", "_site", ".doit.db*", "__pycache__"))
    env = {**os.environ, "MODELPOOLS_OFFLINE": "1"}
    env.pop("MODELPOOLS_CACHE_DIR", None)

    def doit(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "doit", *(argv or ("site",))],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    first = doit()
    assert first.returncode == 0, first.stdout + first.stderr
    page = (project / "_site" / "index.html").read_text(encoding="utf-8")
    pools = json.loads((project / ".cache" / "model-pools.json").read_text(encoding="utf-8"))
    assert pools["chosenDefaults"]["bulkModel"] is None or pools["chosenDefaults"]["bulkModel"] in page
    assert ".  site" in first.stdout
    assert "Data: catalog: bundled snapshot of 2026-08-18; benchmarks: none, curated scores only" in page
    second = doit()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "-- site" in second.stdout and ".  site" not in second.stdout
    doit("forget", "site")
    third = doit()  # forced re-render of an unchanged page succeeds and leaves the file alone
    assert third.returncode == 0 and "index.html: unchanged" in third.stdout, third.stdout + third.stderr


def test_generate_writes_page_text_through_the_client(tmp_path):
    import asyncio

    from chatserver import ChatServer, no_endpoints, ok

    from modelpools.consumer.client import ClientOptions
    from modelpools.consumer.pools_view import load_pools

    spec = importlib.util.spec_from_file_location("example_site_generate", SITE / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    small = load_pools(SAMPLE).small_tasks_model
    server = ChatServer().start()
    try:
        server.script(small, no_endpoints(small))
        server.always(load_pools(SAMPLE).fallback_chain("small")[1], ok("Free models, ranked for coding."))
        options = ClientOptions(
            base_url=server.base_url, ledger_file=tmp_path / "usage.sqlite", pools_file=SAMPLE, requests_per_minute=0
        )
        lines = asyncio.run(generate.generate(tmp_path / "text", options=options, api_key="sk-test"))
    finally:
        server.stop()
    assert (tmp_path / "text" / "index.txt").read_text() == "Free models, ranked for coding.\n"
    assert lines == [f"index: {load_pools(SAMPLE).fallback_chain('small')[1]} after 2 attempt(s)"]
