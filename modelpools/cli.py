"""The ``modelpools`` command: show, explain, diff and check the pools file (a thin wrapper over the library)."""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import sys
import time as time_module
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

from modelpools.errors import DataError, ModelPoolsError
from modelpools.io.log import display_url

__all__ = ["main", "build_parser", "health_checks"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 1  # as in the Python docs' SIGPIPE recipe


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for ``modelpools``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")
    parser = argparse.ArgumentParser(prog="modelpools", parents=[common],
                                     description="Inspect the tiered pools of OpenRouter's free coding models.")
    parser.add_argument("--cache-dir", type=Path, help="cache directory (default: settings, usually .cache)")
    parser.add_argument("--project-dir", type=Path, help="directory whose pyproject.toml holds [tool.modelpools]")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("show", parents=[common], help="tiers, scores and role defaults")
    explain = sub.add_parser("explain", parents=[common], help="why a model got its score and tier")
    explain.add_argument("model_id", metavar="ID", help="an OpenRouter id such as z-ai/glm-5.2:free")
    diff = sub.add_parser("diff", parents=[common], help="compare two pools files")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    sub.add_parser("check", parents=[common], help="health check of the cache (exit 1 when something fails)")
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Callable[[], float] = time_module.time) -> int:
    """Run the command line; return the exit status (quietly 1 when the reader of stdout goes away, as in ``| head``)."""
    try:
        args = build_parser().parse_args(argv)
        try:
            settings = _settings(args)
            handler = {"show": _show, "explain": _explain, "diff": _diff, "check": _check}[args.command]
            code = handler(args, settings, clock)
        except ModelPoolsError as exc:
            print(f"modelpools: error: {exc}", file=sys.stderr)
            code = EXIT_USAGE
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except BrokenPipeError:
        # Python docs, "Note on SIGPIPE": point stdout at devnull so the flush at exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _settings(args: argparse.Namespace):
    import dataclasses

    from modelpools.settings import load_settings

    settings = load_settings(args.project_dir)
    if args.cache_dir is not None:
        settings = dataclasses.replace(settings, cache_dir=args.cache_dir.resolve())
    return settings


def _emit(args: argparse.Namespace, data: Any, lines: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print("\n".join(lines))


def _fmt_score(value: Any) -> str:
    return f"{value:5.1f}" if isinstance(value, (int, float)) else "    -"


# -- show -------------------------------------------------------------------------------------------------------
def _show(args: argparse.Namespace, settings: Any, clock: Callable[[], float]) -> int:
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings)
    doc = pools.document
    by_id = {m.id: m for m in pools.models}
    lines = ["role defaults: " + ", ".join(f"{k}={v or 'none'}" for k, v in pools.defaults)]
    tiers_json = []
    for name, ids in pools.tiers:
        lines.append(f"{name} ({len(ids)})")
        rows = []
        for model_id in ids:
            m = by_id[model_id]
            ctx = f"{m.context_length:>8}" if isinstance(m.context_length, int) else "       -"
            lines.append(f"  {m.rank:>3}  {_fmt_score(m.coding_score)}  {ctx}  {m.id}")
            rows.append({"id": m.id, "name": m.name, "rank": m.rank, "codingScore": m.coding_score,
                         "contextLength": m.context_length})
        tiers_json.append({"name": name, "models": rows})
    lines.append(f"unranked ({len(pools.unranked)}): " + (", ".join(u.id for u in pools.unranked) or "none"))
    data = {"chosenDefaults": dict(pools.defaults), "tiers": tiers_json,
            "unranked": [{"id": u.id, "reason": u.reason} for u in pools.unranked], "summary": doc.get("summary")}
    _emit(args, data, lines)
    return EXIT_OK


# -- explain ----------------------------------------------------------------------------------------------------
def _explain(args: argparse.Namespace, settings: Any, clock: Callable[[], float]) -> int:
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings)
    wanted = args.model_id
    if wanted not in pools.ids and wanted + ":free" in pools.ids:
        wanted += ":free"
    match_entry = _matches_entry(settings, wanted)
    model = pools.model(wanted)
    roles = [key for key, value in pools.defaults if value == wanted]
    if model is not None:
        why = f"rank {model.rank} of {len(pools.models)} ranked; {_tier_rule(pools)} -> {model.tier}"
        data = {"id": model.id, "name": model.name, "vendor": model.vendor, "ranked": True, "rank": model.rank,
                "tier": model.tier, "codingScore": model.coding_score, "contextLength": model.context_length,
                "expirationDate": model.expiration_date, "defaultFor": roles, "why": why,
                "scoreSources": [{"source": s.source, "raw": s.raw, "calibrated": s.calibrated, "ref": s.ref}
                                 for s in model.score_sources],
                "match": {"benchmarkId": model.match.benchmark_id, "method": model.match.method,
                          "confidence": model.match.confidence}}
        lines = [f"{model.id}  ({model.name})",
                 f"  tier {model.tier}, rank {model.rank}, coding score {model.coding_score:.1f}",
                 f"  why: {why}"]
        lines += [f"  source {s.source}: raw {s.raw:g} -> calibrated {s.calibrated:.1f}  [{s.ref}]"
                  for s in model.score_sources]
        lines.append(f"  match: {model.match.method} -> {model.match.benchmark_id or 'none'} "
                     f"(confidence {model.match.confidence:.2f})")
        if roles:
            lines.append(f"  default for: {', '.join(roles)}")
        if model.expiration_date:
            lines.append(f"  expires: {model.expiration_date}")
    else:
        unranked = next((u for u in pools.unranked if u.id == wanted), None)
        if unranked is None:
            close = difflib.get_close_matches(args.model_id, sorted(pools.ids), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; run `modelpools show` for the list"
            raise DataError(f"{args.model_id!r} is not in {settings.pools_file}{hint}")
        data = {"id": unranked.id, "name": unranked.name, "vendor": unranked.vendor, "ranked": False,
                "reason": unranked.reason, "contextLength": unranked.context_length}
        lines = [f"{unranked.id}  ({unranked.name})", f"  unranked: {unranked.reason}"]
    if match_entry is not None:
        data["matchReport"] = match_entry
        candidates = ", ".join(f"{c.get('id')} ({c.get('score')})" for c in match_entry.get("candidates") or ())
        if candidates:
            lines.append(f"  match candidates: {candidates}")
        if match_entry.get("note"):
            lines.append(f"  note: {match_entry['note']}")
    _emit(args, data, lines)
    return EXIT_OK


def _tier_rule(pools: Any) -> str:
    """The rank ranges of the tiers and the rounded-up cut-offs behind them, from the pools file's own settings."""
    cut = pools.document["inputs"]["settings"]  # validated: both cut-offs are there
    n = len(pools.models)
    large_end = len(pools.tier("LARGE"))
    medium_end = large_end + len(pools.tier("MEDIUM"))

    def ceil_of(cutoff: float, end: int) -> str:
        value = min(n, math.ceil(n * Fraction(str(cutoff))))  # exact, as ranking.tier_sizes computes it
        text = f"ceil({n} x {cutoff:g}) = {value}"
        return text if value == end else f"{text}, raised to {end}: MEDIUM holds at least one model when any is left"

    return (f"LARGE holds {_ranks(1, large_end)} ({ceil_of(cut['large_cutoff'], large_end)}), "
            f"MEDIUM {_ranks(large_end + 1, medium_end)} (up to {ceil_of(cut['medium_cutoff'], medium_end)}), "
            f"SMALL {_ranks(medium_end + 1, n)} (the rest)")


def _ranks(first: int, last: int) -> str:
    if last < first:
        return "no ranks"
    return f"rank {first}" if first == last else f"ranks {first}-{last}"


def _matches_entry(settings: Any, model_id: str) -> dict | None:
    from modelpools.io.files import read_json

    if not settings.matches_file.is_file():
        return None
    try:
        matches = read_json(settings.matches_file, "match report").get("matches") or []
    except (DataError, AttributeError):
        return None
    return next((m for m in matches if isinstance(m, dict) and m.get("id") == model_id), None)


# -- diff -------------------------------------------------------------------------------------------------------
def _diff(args: argparse.Namespace, settings: Any, clock: Callable[[], float]) -> int:
    from modelpools.consumer.pools_view import load_pools
    from modelpools.rules.changes import compare_pools, format_changes

    old = load_pools(args.old, settings=settings).document
    new = load_pools(args.new, settings=settings).document
    report = compare_pools(old, new, settings, now=clock())
    _emit(args, report, format_changes(report))
    return EXIT_OK


# -- check ------------------------------------------------------------------------------------------------------
def health_checks(settings: Any, now: float) -> list[dict]:
    """The checks behind ``modelpools check``: [{"name", "status": ok|warn|fail, "detail"}]."""

    checks: list[dict] = []

    def add(name: str, status: str, detail: str) -> None:
        checks.append({"name": name, "status": status, "detail": detail})

    files = (("pools", settings.pools_file, "pools", "fail"), ("catalog", settings.catalog_file, "catalog", "fail"),
             ("benchmark scores", settings.benchmark_scores_file, "benchmarks", "warn"),
             ("matches", settings.matches_file, "match", "warn"))
    for name, path, task, severity in files:
        if path.is_file():
            add(f"{name} file", "ok", str(path))
        else:
            add(f"{name} file", severity, f"missing: {path}; run `doit {settings.task_prefix}{task}`")
    if settings.pools_file.is_file():
        try:
            add("pools valid", "ok", _validate(settings).splitlines()[0])
        except ModelPoolsError as exc:
            add("pools valid", "fail", str(exc))
        else:
            from modelpools.consumer.pools_view import load_pools
            from modelpools.rules.changes import compare_pools

            try:
                pools = load_pools(settings=settings, validate=False)  # validated just above
            except ModelPoolsError as exc:
                add("pools readable", "fail", str(exc))
            else:
                unset = [key for key, value in pools.defaults if not value]
                add("role defaults", "warn" if unset else "ok",
                    f"unset: {', '.join(unset)}" if unset else ", ".join(v for _, v in pools.defaults))
                expiring = compare_pools(pools.document, pools.document, settings, now=now)["expiring"]
                add("expiry", "warn" if expiring else "ok",
                    "; ".join(_expiry(e) for e in expiring) or "no model expires soon")
    from modelpools.stages.freshness import benchmarks_are_fresh, catalog_is_fresh, read_meta

    for name, path, ttl, source, fresh in (
            ("catalog cache", settings.catalog_meta_file, settings.catalog_ttl, settings.openrouter_url,
             catalog_is_fresh),
            ("benchmarks cache", settings.benchmarks_meta_file, settings.benchmarks_ttl, settings.benchmarks_repo,
             benchmarks_are_fresh)):
        if not path.is_file():
            add(name, "warn", f"no meta file at {path}")
            continue
        meta = read_meta(path, f"{name} meta file")
        if not meta:
            add(name, "warn", f"unreadable meta file at {path}; the next `doit` run refreshes it")
            continue
        status, refreshed, source = meta.get("status"), meta.get("refreshedAt"), display_url(source)
        age = max(0.0, now - refreshed) if isinstance(refreshed, (int, float)) and not isinstance(refreshed, bool) \
            else None
        age_text = "never refreshed" if age is None else f"age {_human(age)} (ttl {_human(ttl)})"
        if fresh(settings, now):  # the same rule doit's up-to-date check applies
            add(name, "ok", age_text)
        elif meta.get("source") != source:
            add(name, "warn", f"built from {meta.get('source')}, not the configured {source}; the next run refreshes it")
        elif status != "ok":
            error = f"; last error: {meta.get('lastError')}" if meta.get("lastError") else ""
            add(name, "warn", f"fallback in use (status {status}), {age_text}{error}")
        else:
            add(name, "warn", f"stale or built with other settings: {age_text}; the next `doit` run refreshes it")
    return checks


def _expiry(entry: dict) -> str:
    left = entry["daysLeft"]
    when = f"expired {-left}d ago" if left < 0 else f"expires in {left}d"
    return f"{entry['id']} {when} ({entry['expirationDate']})"


def _validate(settings: Any) -> str:
    from modelpools.rules.validation import validate_pools_file

    return validate_pools_file(settings)


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _check(args: argparse.Namespace, settings: Any, clock: Callable[[], float]) -> int:
    checks = health_checks(settings, clock())
    failed = [c for c in checks if c["status"] == "fail"]
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    lines = [f"{marks[c['status']]}  {c['name']}: {c['detail']}" for c in checks]
    lines.append(f"{len(failed)} failed, {sum(c['status'] == 'warn' for c in checks)} warnings")
    _emit(args, {"ok": not failed, "checks": checks}, lines)
    return EXIT_CHECK_FAILED if failed else EXIT_OK
