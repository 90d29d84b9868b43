"""``modelpools report``: one self-contained HTML page that shows what a pools build decided and why.

    gather_report(settings, now=None) -> ReportInputs    reads the cache files (the I/O edge)
    render_report(inputs) -> str                          pure: the same inputs give the same bytes
    write_report(settings, out=None, now=None) -> Path   both, then an atomic write

The page holds the role defaults with their rule, evidence and runners-up; the tiers as a bar chart (estimate with
an uncertainty whisker, coloured by tier); every model's score with its sources; one scatter plot per calibrated
source (raw against the reference scale, the line and the points it was fitted on); the last change report;
usage (today's requests against the cap and per-model success and latency) when a ledger or usage summary exists;
and the provenance of the inputs. Inline CSS and inline SVG only: no JavaScript, nothing loaded from anywhere.
This module reads the files and lays out the page; the sections are in ``report_pools`` (from the pools document)
and ``report_activity`` (changes, usage), the SVG charts in ``charts``, the escaping and table helpers in ``markup``.

Every text that comes from data (model ids and names, reasons, meta files, ledger rows) is HTML-escaped, with
control and bidirectional-override characters shown as visible escapes. No clock is read: ``now`` (epoch seconds)
is only used, when given, for today's usage from the ledger, and the page says which time it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.consumer.markup import code, esc, kv, table
from modelpools.consumer.report_activity import changes_section, usage_section
from modelpools.consumer.report_pools import calibration_section, models_section, roles_section, tiers_section
from modelpools.errors import DataError
from modelpools.io.files import atomic_write, read_json

if TYPE_CHECKING:
    from modelpools.settings import Settings

__all__ = [
    "ReportInputs",
    "gather_report",
    "render_report",
    "write_report",
    "REPORT_NAME",
]

REPORT_NAME = "model-pools-report.html"
_META_LIMIT = 1 << 20


@dataclass(frozen=True)
class ReportInputs:
    """Everything the page shows, already read: JSON documents as parsed, None where a file is absent.

    ``files`` maps a label to the path it came from (shown in the provenance section); ``unreadable`` maps a
    label to why an optional file could not be used; ``usage`` is a ``modelpools usage`` report (from the
    ledger, with ``today``) or the usage summary (without ``today``); ``now`` the time today's usage was taken at.
    """

    pools: Mapping[str, Any]
    changes: Mapping[str, Any] | None = None
    catalog_meta: Mapping[str, Any] | None = None
    benchmarks_meta: Mapping[str, Any] | None = None
    usage: Mapping[str, Any] | None = None
    files: tuple[tuple[str, str], ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()
    now: float | None = None


# -- I/O edge ---------------------------------------------------------------------------------------------------


def _optional_json(path: Path, what: str, unreadable: list[tuple[str, str]]) -> Any:
    if not path.exists():
        return None
    try:
        return read_json(path, what, _META_LIMIT * 8)
    except DataError as exc:
        unreadable.append((what, str(exc)))
        return None


def gather_report(settings: Settings, *, now: float | None = None) -> ReportInputs:
    """Read the pools file (required, validated) and the optional files around it from ``settings``' cache.

    ``now``: take today's usage from the ledger at this time (the CLI passes the clock); without it the usage
    section comes from the usage summary the last build used, and the page holds no time that was not in a file.
    """
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings).document
    unreadable: list[tuple[str, str]] = []
    changes = _optional_json(Path(settings.files.changes_file), "change report", unreadable)
    catalog_meta = _optional_json(Path(settings.files.catalog_meta_file), "catalog meta file", unreadable)
    benchmarks_meta = _optional_json(Path(settings.files.benchmarks_meta_file), "benchmarks meta file", unreadable)
    files = [("pools file", str(settings.files.pools_file))]
    usage: Mapping[str, Any] | None = None
    ledger = Path(settings.files.ledger_file)
    if now is not None and ledger.exists():
        from modelpools.consumer.usage_report import usage_report

        try:
            usage = usage_report(ledger, days=settings.usage_window_days, daily_cap=settings.daily_request_cap, now=now)
            files.append(("usage ledger", str(ledger)))
        except DataError as exc:
            unreadable.append(("usage ledger", str(exc)))
    if usage is None:
        summary = _optional_json(Path(settings.files.usage_summary_file), "usage summary", unreadable)
        if isinstance(summary, Mapping) and summary.get("models"):
            usage = summary
            files.append(("usage summary", str(settings.files.usage_summary_file)))
    for label, path, doc in (
        ("change report", settings.files.changes_file, changes),
        ("catalog meta file", settings.files.catalog_meta_file, catalog_meta),
        ("benchmarks meta file", settings.files.benchmarks_meta_file, benchmarks_meta),
    ):
        if doc is not None:
            files.append((label, str(path)))
    return ReportInputs(
        pools=pools,
        changes=changes if isinstance(changes, Mapping) else None,
        catalog_meta=catalog_meta if isinstance(catalog_meta, Mapping) else None,
        benchmarks_meta=benchmarks_meta if isinstance(benchmarks_meta, Mapping) else None,
        usage=usage,
        files=tuple(files),
        unreadable=tuple(unreadable),
        now=now if usage is not None and "today" in usage else None,
    )


def write_report(settings: Settings, out: Path | str | None = None, *, now: float | None = None) -> Path:
    """Write the report page (default ``<cache>/model-pools-report.html``) atomically; return its path."""
    path = Path(out) if out is not None else Path(settings.cache_path) / REPORT_NAME
    page = render_report(gather_report(settings, now=now))
    try:
        atomic_write(path, page.encode("utf-8"))
    except OSError as exc:
        raise DataError(f"cannot write the report to {path} ({exc.strerror or exc}); choose another --out") from None
    return path


def _provenance_section(inputs: ReportInputs) -> str:
    doc = inputs.pools
    pools_facts = {
        "schemaVersion": doc.get("schemaVersion"),
        "catalogDate (newest model listed)": doc.get("catalogDate"),
    }
    blocks = [("Pools file", kv(pools_facts)), ("Inputs", kv(doc.get("inputs") or {}))]
    if isinstance(doc.get("provenance"), Mapping):
        blocks.append(("Sources of the catalog and the benchmarks", kv(doc["provenance"])))
    if inputs.catalog_meta is not None:
        blocks.append(("Catalog refresh (openrouter-models.meta.json)", kv(inputs.catalog_meta)))
    if inputs.benchmarks_meta is not None:
        blocks.append(("Benchmarks refresh (llm-stats.meta.json)", kv(inputs.benchmarks_meta)))
    files = table(["what", "path"], ([esc(label), code(path)] for label, path in inputs.files))
    blocks.append(("Files read", files))
    if inputs.unreadable:
        blocks.append(("Left out", table(["what", "why"], ([esc(k), esc(v)] for k, v in inputs.unreadable))))
    body = "".join(f"<h3>{esc(title)}</h3>{html_block}" for title, html_block in blocks)
    return f'<section id="provenance"><h2>Provenance</h2>{body}</section>'


_CSS = """
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#e2e6ec;--soft:#f5f7fa;--accent:#2f6db5}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
header.top{background:#17202e;color:#fff;padding:22px 32px 18px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#c5cede}
nav{display:flex;flex-wrap:wrap;gap:4px 18px;padding:10px 32px;border-bottom:1px solid var(--line);background:var(--soft);
position:sticky;top:0;z-index:1}
nav a{color:var(--accent);text-decoration:none;font-weight:500}
main{max-width:1240px;margin:0 auto;padding:8px 32px 48px}
section{margin-top:28px}
h2{font-size:18px;margin:0 0 4px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
.lead{color:var(--muted);margin:6px 0 14px}
.muted{color:var(--muted)}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:break-word}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 0}
.stat{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px;background:#fff}
.stat b{display:block;font-size:20px}
.stat span{color:var(--muted);font-size:12px}
.roles{display:grid;grid-template-columns:minmax(0,1fr);gap:14px}
.role{border:1px solid var(--line);border-radius:10px;padding:12px 16px;background:#fff}
.role header{display:flex;align-items:center;gap:8px}
.role h3{margin:0;font-size:16px}
.role td:first-child{white-space:nowrap}
table.models td:nth-child(2){min-width:300px}
table.models td:nth-child(6){white-space:nowrap}
table.models code{overflow-wrap:normal}
.role .winner{margin:6px 0 2px;font-size:15px}
.role .winner code{font-size:15px;font-weight:600}
.rule-text{margin:2px 0 8px;color:var(--muted)}
.needs{margin:0 0 8px}
.notes{margin:6px 0 0;color:#8a5a00}
table{border-collapse:collapse;width:100%;margin:4px 0 10px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:var(--soft)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.compact td,table.compact th{padding:3px 8px}
table.compact tbody tr:first-child{background:#eef5ff;font-weight:500}
.name{color:var(--muted);font-size:12px}
table.kv{width:100%}
table.kv table.kv{width:auto}
table.kv th{width:220px;color:var(--muted);font-weight:500;background:none;text-transform:none;font-size:13px}
.src{font-size:12.5px;white-space:nowrap}
.src+.src{margin-top:4px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:11.5px;font-weight:600;line-height:18px;
background:#e8ecf1;color:#334;margin-right:3px}
.badge.tier{color:#fff}
.badge.rule{background:#e3ecf9;color:#1f4f8f}
.badge.bad{background:#fbe3e3;color:#9b1c1c}
.badge.warn{background:#fdf1d8;color:#7a5200}
.badge.good{background:#dff3e6;color:#1c6b3a}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:0 0 8px;font-size:13px}
.key i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.key i.whisker-key{height:2px;width:16px;background:#1d2330;vertical-align:3px}
.key i.faded-key{background:#2f6db5;opacity:.55}
.scroll{overflow-x:auto}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .grid{stroke:#edf0f4;stroke-width:1}
svg .axis{font-size:11px;fill:#6b7685}
svg .axis-title{font-size:11.5px;fill:#4b5563}
svg .label{font-size:12px;fill:#1d2330;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
svg .value{font-size:11.5px;fill:#4b5563}
svg .whisker{stroke:#1d2330;stroke-width:1.4}
svg .frame{fill:none;stroke:#cfd6df}
svg .point{fill:#2f6db5;fill-opacity:.7;stroke:#fff;stroke-width:.8}
svg .fit-line{stroke:#c0392b;stroke-width:2}
svg .fixed-line{stroke:#6b7685;stroke-width:1.4;stroke-dasharray:5 4}
svg.meter{vertical-align:middle;margin-right:6px}
.today svg.meter{max-width:100%;height:auto}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:10px;min-width:0;overflow-x:auto}
figcaption{font-size:13px;margin-top:6px}
ul.changes{list-style:none;padding:0;margin:0}
ul.changes.many{columns:2 420px}
ul.changes li{padding:2px 0;break-inside:avoid}
.today p{margin:4px 0}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);margin-top:36px;padding-top:10px}
@media (max-width:700px){header.top{padding:16px 12px 12px}nav{padding:8px 12px}main{padding:8px 12px 36px}
table{display:block;overflow-x:auto}svg.chart{max-width:none}ul.changes.many{columns:1}
.stats{gap:8px}.stat{min-width:0;padding:6px 10px}.stat b{font-size:17px}}
@media print{nav{display:none}header.top{background:none;color:var(--fg)}header.top p{color:var(--muted)}}
"""


def _header(inputs: ReportInputs) -> str:
    doc = inputs.pools
    summary = doc.get("summary") or {}
    tiers = summary.get("tiers") or {}
    stats = [
        ("free models", summary.get("freeModels")),
        ("ranked", summary.get("ranked")),
        ("unranked", summary.get("unranked")),
        ("excluded", summary.get("excluded")),
        ("LARGE", tiers.get("LARGE")),
        ("MEDIUM", tiers.get("MEDIUM")),
        ("SMALL", tiers.get("SMALL")),
    ]
    defaults = doc.get("chosenDefaults") or {}
    commit = (doc.get("inputs") or {}).get("benchmarkCommit")
    # two dates that differ: the newest model the catalog lists, and the day the bundled snapshot was captured
    sub = f"catalog: newest model {esc(doc.get('catalogDate'))}"
    catalog = (doc.get("provenance") or {}).get("catalog") if isinstance(doc.get("provenance"), Mapping) else None
    if isinstance(catalog, Mapping) and catalog.get("capturedAt"):
        sub += f", captured {esc(catalog['capturedAt'])}"
    if commit:
        sub += f" · LLM-Stats {esc(str(commit)[:12])}"
    chips = "".join(f'<div class="stat"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in stats)
    picks = " · ".join(f"{esc(k)} {code(v)}" for k, v in defaults.items())
    return (
        f'<header class="top"><h1>Free coding model pools</h1><p>{sub}</p></header>'
        '<nav><a href="#defaults">Defaults</a><a href="#tiers">Tiers</a><a href="#models">Models</a>'
        '<a href="#calibration">Calibration</a><a href="#changes">Changes</a>'
        + ('<a href="#usage">Usage</a>' if inputs.usage is not None else "")
        + f'<a href="#provenance">Provenance</a></nav><main><div class="stats">{chips}</div>'
        f'<p class="lead">Defaults: {picks}</p>'
    )


def render_report(inputs: ReportInputs) -> str:
    """The whole page. Pure: the same inputs give byte-identical text."""
    doc = inputs.pools
    title = f"modelpools report · catalog {doc.get('catalogDate') or 'unknown'}"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
            _header(inputs),
            roles_section(doc),
            tiers_section(doc),
            models_section(doc),
            calibration_section(doc),
            changes_section(inputs.changes),
            usage_section(inputs.usage, inputs.now, doc),
            _provenance_section(inputs),
            "<footer>Written by <code>modelpools report</code> from the files listed under Provenance; rules in "
            "docs/scoring.md.</footer></main></body></html>\n",
        ]
    )
