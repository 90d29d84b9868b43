"""``modelpools report``: the page of a real build (doit, a loopback catalog, a file:// LLM-Stats repo, a real
ledger), opened in headless Chromium; hostile names escaped; the same inputs give the same bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from phone import view_on_phone
from support import TEST_DATA, LoopbackServer, Reply, new_layout_repo, unranked_entry

from modelpools.cli import main
from modelpools.consumer.charts import TIER_PLOT_WIDTH
from modelpools.consumer.ledger import Ledger
from modelpools.consumer.markup import TIER_COLOURS
from modelpools.consumer.report import REPORT_NAME, ReportInputs, gather_report, render_report, write_report
from modelpools.jsonbytes import dump_json
from modelpools.records import Batch, ModelResult, ProbeResults
from modelpools.rules.days import utc_day
from modelpools.rules.probe import probe_set_id
from modelpools.settings import Settings

DUMPS = TEST_DATA / "openrouter"
CHROMIUM = shutil.which("chromium")
NO_CHROMIUM = "needs Debian's chromium for a real headless browser (apt-get install chromium; .ci/run installs it)"
HOSTILE_ID = "evil/<script>alert(1)</script>\x1b[31m\u202e:free"  # the ledger stores whatever id a site asked for
# Probe tallies (items right of 40) of four well-scored anchors and one model no other source scores.
LAGUNA = "poolside/laguna-s-2.1:free"
PROBED = {
    "z-ai/glm-5.2:free": 30,
    "google/gemma-4-31b-it:free": 21,
    "openai/gpt-oss-20b:free": 11,
    "nvidia/nemotron-3-nano-30b-a3b:free": 8,
    LAGUNA: 22,
}


def _doit(site: Path, env: dict[str, str], *tasks: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "doit", *tasks], cwd=site, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> dict:
    """A site after two real builds (the 2026-05-01 catalog, then 2026-08-18), the probe turned on with results for
    five models, and a day of use in its ledger."""
    root = tmp_path_factory.mktemp("report")
    repo = new_layout_repo(
        root / "llm-stats", orgs=("deepseek", "google", "meta", "mistral", "nvidia", "openai", "qwen", "zai-org")
    )
    site = root / "site"
    site.mkdir()
    (site / "dodo.py").write_text("from modelpools.tasks import *\n")
    server = LoopbackServer().start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
            "MODELPOOLS_OPENROUTER_URL": f"{server.url}/api/v1/models",
            "MODELPOOLS_BENCHMARKS_REPO": repo.as_uri(),
        }
        server.handler = lambda seen: Reply(body=(DUMPS / "models-2026-05-01.json").read_bytes())
        _doit(site, env, "pools")
        server.handler = lambda seen: Reply(body=(DUMPS / "models-2026-08-18.json").read_bytes())
        _doit(site, env | {"MODELPOOLS_CATALOG_TTL": "0s"}, "pools")
        cache = site / ".cache"
        before_probe = json.loads((cache / "model-pools.json").read_text())
        now = json.loads((cache / "openrouter-models.meta.json").read_text())["refreshedAt"] + 3600
        # the probe turned on, with results already measured (no key: the probe task sends nothing and keeps them)
        results = ProbeResults(
            probe_set_id(),
            {mid: ModelResult(mid, (Batch(utc_day(now - 3600), 0, 40, right),), 40) for mid, right in PROBED.items()},
        )
        (cache / "probe-results.json").write_bytes(dump_json(results.to_json()))
        env = {k: v for k, v in env.items() if k != "OPENROUTER_API_KEY"} | {"MODELPOOLS_PROBE": "true"}
        _doit(site, env, "pools")
        pools = json.loads((cache / "model-pools.json").read_text())
        catalog = pools["inputs"]["catalogSha256"][:16]  # what the client records with each attempt
        with Ledger(cache / "usage.sqlite", clock=lambda: now) as ledger:

            def attempt(model: str, outcome: str, status: int, latency_ms: int, at: float) -> None:
                reservation = ledger.reserve(model=model, role="bulkModel", now=at, catalog=catalog)
                ledger.finish(
                    reservation.attempt_id,
                    outcome=outcome,
                    status=status,
                    latency_ms=latency_ms,
                    finished=at + latency_ms / 1000,
                )

            for i in range(6):
                attempt(pools["chosenDefaults"]["bulkModel"], "ok", 200, 4000 + 500 * i, now - 3000 + 60 * i)
            attempt(pools["chosenDefaults"]["smallTasksModel"], "no_endpoints", 404, 300, now - 1200)
            attempt(pools["chosenDefaults"]["smallTasksModel"], "no_endpoints", 404, 300, now - 1100)
            attempt(HOSTILE_ID, "upstream_429", 429, 200, now - 1000)
        _doit(site, env, "pools")  # the usage task summarises the ledger; the pools mark the 404ing model
    finally:
        server.stop()
    settings = Settings(project_dir=site)
    return {
        "site": site,
        "cache": cache,
        "settings": settings,
        "now": now,
        "attempts": 9,
        "before_usage": pools,
        "before_probe": before_probe,
        "pools": json.loads((cache / "model-pools.json").read_text()),
    }


# -- a small PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium writes) -------------------------------------


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered pixel rows (3 bytes a pixel) of a PNG screenshot."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a, b, c = (line[i - bpp] if i >= bpp else 0), prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        rows.append(bytes(line) if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
    return width, height, rows


def longest_run(rows: list[bytes], colour: str) -> int:
    """The longest horizontal run of pixels of exactly this #rrggbb colour."""
    pixel = bytes.fromhex(colour[1:])
    pattern = re.compile(b"(?:" + re.escape(pixel) + b")+")
    best = 0
    for row in rows:
        for match in pattern.finditer(row):
            if match.start() % 3 == 0:
                best = max(best, (match.end() - match.start()) // 3)
    return best


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        timeout=120,
    )


def svg_blocks(dom: str, cls: str) -> list[str]:
    return re.findall(r'<svg class="chart ' + cls + r'"[^>]*>.*?</svg>', dom, re.S)


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_the_report_renders_in_headless_chromium_with_defaults_and_charts(build, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["--cache-dir", str(build["cache"]), "report", "--out", str(out)], clock=lambda: build["now"]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    dumped = chromium("--dump-dom", out.as_uri(), profile=tmp_path / "profile")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout.decode("utf-8")
    assert dom.rstrip().endswith("</html>") and "Written by <code>modelpools report</code>" in dom
    doc = build["pools"]

    for role, model in doc["chosenDefaults"].items():  # each default with its rule and runners-up
        card = re.search(rf'<article class="role" id="role-{role}">(.*?)</article>', dom, re.S).group(1)
        assert f'<p class="winner"><code>{model}</code></p>' in card
        assert doc["roles"][role]["ruleText"].replace(">", "&gt;") in card
        for runner in doc["roles"][role]["runnersUp"]:
            assert f"<code>{runner['id']}</code>" in card

    (tiers,) = svg_blocks(dom, "tiers")  # one bar and one whisker per ranked model
    # 11 measured + laguna, measured by the probe alone, + 4 provisional (nothing measures them)
    assert tiers.count('<g class="model">') == len(doc["models"]) == 16
    assert tiers.count('class="bar"') == len(doc["models"]) and tiers.count('class="whisker"') == 3 * len(doc["models"])
    for model in doc["models"]:
        assert f"{model['rank']}. {model['id']}</text>" in tiers

    scatters = {re.search(r'data-source="([^"]+)"', s).group(1): s for s in svg_blocks(dom, "calibration")}
    calibrated = {name: c for name, c in doc["calibration"].items() if c["method"] != "reference"}
    assert set(scatters) == set(calibrated) == {"llm-stats", "web:models/website", "probe"}
    for name, cal in calibrated.items():  # every point, the line in use and, beside a fixed line, the points' own
        assert scatters[name].count("<circle ") == len(cal["pairs"]) == cal["points"] >= (4 if name == "probe" else 8)
        assert scatters[name].count('class="fit-line"') == 1
        assert scatters[name].count('class="fixed-line"') == (0 if name == "probe" else 1)

    # probed models: a badge, and the probe among their sources with its items, probe set and 90 % interval
    table = dom[dom.index('<section id="models">') : dom.index("<h3>Unranked")]
    rows = {
        re.search(r"<code[^>]*>([^<]+)</code>", row).group(1): row
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        if "<td" in row
    }
    for model in doc["models"]:
        probe = next((s for s in model["scoreSources"] if s["source"] == "probe"), None)
        assert ('<span class="badge rule" title="measured by the coding probe' in rows[model["id"]]) == bool(probe)
        if probe:
            low, high = probe["interval"]
            assert (
                f"{probe['items']} items of probe set <code>{probe['probeSet']}</code>, 90 % interval "
                f"{low:.0f}-{high:.0f} % right"
            ) in rows[model["id"]]
    assert sorted(m["id"] for m in doc["models"] if any(s["source"] == "probe" for s in m["scoreSources"])) == sorted(
        PROBED
    )
    laguna = next(m for m in doc["models"] if m["id"] == LAGUNA)
    assert [s["source"] for s in laguna["scoreSources"]] == ["probe"] and laguna["thinEvidence"]
    before = next(m for m in build["before_probe"]["models"] if m["id"] == LAGUNA)  # provisional until probed
    assert before["provisional"] and not before["scoreSources"] and not laguna.get("provisional")

    # the second build's change report, and usage from the ledger at the clock the CLI was given
    dead = build["before_usage"]["chosenDefaults"]["smallTasksModel"]  # two 404s: unavailable, replaced
    assert [m["id"] for m in doc["models"] if (m.get("usage") or {}).get("verdict") == "unavailable"] == [dead]
    assert doc["chosenDefaults"]["smallTasksModel"] != dead
    assert (
        f"<b>smallTasksModel</b>: <code>{dead}</code> → <code>{doc['chosenDefaults']['smallTasksModel']}</code>" in dom
    )
    assert f"<b>Today (UTC): {build['attempts']} of 50</b>" in dom
    usage = dom[dom.index('<section id="usage">') : dom.index('<section id="provenance">')]
    assert re.search(rf"<code>{re.escape(dead)}</code>.*?no_endpoints 2.*?>unavailable</span>", usage, re.S)

    # nothing runs and nothing is fetched: no script element, no external reference of any kind
    assert "<script" not in dom.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert not re.search(r"\s(src|srcset|action)=", dom)
    assert set(re.findall(r'href="([^"]*)"', dom)) <= {
        f"#{s}" for s in ("defaults", "tiers", "models", "calibration", "changes", "usage", "provenance")
    }
    assert set(re.findall(r"url\(([^)]*)\)", dom)) <= {f"#clip-{i}" for i in range(len(doc["calibration"]))}

    shot = tmp_path / "report.png"
    taken = chromium("--window-size=1280,2600", f"--screenshot={shot}", out.as_uri(), profile=tmp_path / "profile")
    assert taken.returncode == 0, taken.stderr[-2000:]
    width, height, rows = png_rows(shot.read_bytes())
    assert (width, height) == (1280, 2600)
    assert len({row[i : i + 3] for row in rows[::7] for i in range(0, len(row), 21)}) > 50  # far from uniform
    for tier in ("LARGE", "MEDIUM", "SMALL"):  # the tier's best bar was painted, up to its whisker's left cap
        best = next(m for m in doc["models"] if m["tier"] == tier and not m["thinEvidence"] and not m["deprecated"])
        expected = TIER_PLOT_WIDTH * (best["codingScore"] - best["uncertainty"]) / 100
        assert longest_run(rows, TIER_COLOURS[tier]) >= expected - 3, tier


# the tier chart drawn at its own size (12 px labels), not shrunk to the phone's width; ids break only at / and -
PHONE_MEASURES = {
    "chartScale": "(s => s.getBoundingClientRect().width / s.width.baseVal.value)(document.querySelector('svg.tiers'))",
    "idLines": """[...document.querySelectorAll('table.models td:nth-child(2) > code')].map(c => {
        const r = document.createRange(), lines = [];
        for (let i = 0; i < c.textContent.length; i++) {
          r.setStart(c.firstChild, i); r.setEnd(c.firstChild, i + 1);
          const top = Math.round(r.getBoundingClientRect().top);
          if (!lines.length || lines[lines.length - 1][0] !== top) lines.push([top, '']);
          lines[lines.length - 1][1] += c.textContent[i];
        }
        return lines.map(l => l[1]); })""",
}


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
@pytest.mark.parametrize("width", [360, 390])
def test_the_report_fits_a_phone_without_sideways_scrolling(build, tmp_path, width):
    out = tmp_path / "report.html"
    write_report(build["settings"], out, now=build["now"])
    shot = tmp_path / f"phone-{width}.png"
    view = view_on_phone(CHROMIUM, out.as_uri(), tmp_path / "profile", width, shot, measure=PHONE_MEASURES)
    assert view.inner_width == width  # the page's <meta name="viewport"> applied, as on a phone
    assert view.scroll_width <= width and view.too_wide == "[]", view.too_wide  # wide tables scroll in their box
    assert view.measured["chartScale"] == 1
    lines = view.measured["idLines"]
    assert len(lines) == len(build["pools"]["models"]) and any(len(parts) > 1 for parts in lines)
    for parts in lines:  # a wrapped id breaks after a / or a -, never inside a word
        assert all(part.endswith(("/", "-")) for part in parts[:-1]), parts
    assert png_rows(shot.read_bytes())[:2] == (2 * width, 1600)  # 2 device pixels a CSS pixel, as on a phone


def test_hostile_names_and_reasons_are_escaped(build, tmp_path):
    doc = json.loads(json.dumps(build["pools"]))
    evil = '<script>alert("x")</script>\x1b[2J\x07 \u202eevil & <b>bold</b>'
    doc["models"][0]["name"] = evil
    doc["unranked"].append(unranked_entry("x/unranked:free", evil))
    doc["summary"].update(unranked=1, freeModels=doc["summary"]["freeModels"] + 1)
    doc["excluded"][0]["name"] = evil
    doc["roles"]["bulkModel"]["notes"] = [evil]
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "model-pools.json").write_bytes(dump_json(doc))
    (cache / "model-pools-changes.json").write_bytes(
        dump_json(
            {
                "firstBuild": False,
                "added": [],
                "removed": [],
                "tierMoves": [],
                "expiring": [],
                "defaultChanges": [{"role": evil, "from": None, "to": evil}],
            }
        )
    )
    (cache / "openrouter-models.meta.json").write_bytes(dump_json({"source": evil, "status": "ok"}))
    shutil.copy(build["cache"] / "usage.sqlite", cache / "usage.sqlite")
    settings = Settings(project_dir=tmp_path, cache_dir=cache)
    page = write_report(settings, now=build["now"]).read_text(encoding="utf-8")
    assert "<script" not in page and "<b>bold" not in page and "\x1b" not in page and "\x07" not in page
    assert "\u202e" not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\x1b[2J\\x07 \\u202eevil &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert page.count(escaped) == 7  # model name, unranked reason, excluded name, note, change role and to, meta
    assert "<code>evil/&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m\\u202e:free</code>" in page  # ledger id


def test_same_inputs_give_the_same_bytes_and_no_clock_is_read(build, tmp_path):
    settings = build["settings"]
    first = write_report(settings, tmp_path / "a.html").read_bytes()
    second = write_report(settings, tmp_path / "b.html").read_bytes()
    assert first == second
    page = first.decode("utf-8")
    assert "Today (UTC)" not in page  # without a time given, usage comes from the summary the build used
    assert "From the usage summary the last build read" in page
    assert render_report(gather_report(settings, now=build["now"])) == render_report(
        gather_report(settings, now=build["now"])
    )


def test_the_header_says_which_date_is_which_and_provenance_is_one_heading_with_readable_roles():
    doc = json.loads((TEST_DATA / "pools-sample.json").read_text(encoding="utf-8"))
    doc["provenance"]["catalog"] = {"source": "bundled-snapshot", "capturedAt": "2026-08-18"}
    doc["inputs"]["settings"]["roles"].append(["agentModel", "coding", ["tools"], 100000])
    page = render_report(ReportInputs(pools=doc))
    assert (
        '<header class="top"><h1>Free coding model pools</h1><p>catalog: newest model 2026-08-14, captured 2026-08-18 ·'
        in page
    )
    assert page.count("<h2>Provenance</h2>") == 1 and "<h3>Provenance</h3>" not in page
    assert "<th>catalogDate (newest model listed)</th><td><code>2026-08-14</code>" in page
    assert (
        "<th>roles</th><td><code>bulkModel</code>: rule coding<br><code>pageModel</code>: rule page<br>"
        "<code>smallTasksModel</code>: rule small<br><code>agentModel</code>: rule coding, needs tools, "
        "context &gt;= 100000</td>"
    ) in page
    assert "&quot;bulkModel&quot;" not in page  # no raw tuples


def test_cli_writes_to_the_cache_by_default_and_errors_are_one_line(build, tmp_path, capsys):
    cache = tmp_path / "cache"
    shutil.copytree(build["cache"], cache, ignore=shutil.ignore_patterns("llm-stats-data"))
    assert main(["--cache-dir", str(cache), "report", "--json"], clock=lambda: build["now"]) == 0
    assert json.loads(capsys.readouterr().out) == {"path": str(cache / REPORT_NAME)}
    assert (cache / REPORT_NAME).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    (cache / "model-pools.json").unlink()
    assert main(["--cache-dir", str(cache), "report"], clock=lambda: build["now"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("modelpools: error: pools file not found at ") and err.count("\n") == 1
