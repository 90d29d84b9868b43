"""The ``modelpools`` command: show, explain, diff and check the pools file; report usage; write the HTML report.

A thin wrapper: the answers come from consumer/overview.py (show), consumer/explanation.py (explain),
rules/changes.py (diff), stages/health.py (check), consumer/usage_report.py (usage), consumer/report.py (report),
consumer/server.py (serve) and consumer/export.py (export);
a library error becomes one ``modelpools: error:`` line and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time as time_module
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.errors import ModelPoolsError

if TYPE_CHECKING:  # loaded in main(), after the arguments parse
    from modelpools.settings import Settings

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 1  # as in the Python docs' SIGPIPE recipe


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for ``modelpools``."""
    common = argparse.ArgumentParser(add_help=False)
    # global options, accepted before and after the command (SUPPRESS: an absent one keeps the other's value)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")
    common.add_argument(
        "--cache-dir", type=Path, default=argparse.SUPPRESS, help="cache directory (default: settings, usually .cache)"
    )
    common.add_argument(
        "--project-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="directory whose pyproject.toml holds [tool.modelpools]",
    )
    parser = argparse.ArgumentParser(
        prog="modelpools", parents=[common], description="Inspect the tiered pools of OpenRouter's free coding models."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("show", parents=[common], help="tiers, scores and role defaults")
    explain = sub.add_parser("explain", parents=[common], help="why a model got its score and tier")
    explain.add_argument("model_id", metavar="ID", help="an OpenRouter id such as z-ai/glm-5.2:free")
    diff = sub.add_parser("diff", parents=[common], help="compare two pools files")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    sub.add_parser("check", parents=[common], help="health check of the cache (exit 1 when something fails)")
    usage = sub.add_parser("usage", parents=[common], help="today's free requests against the cap, per-model figures")
    usage.add_argument("--days", type=int, default=7, metavar="N", help="per-model figures of the last N days")
    report = sub.add_parser("report", parents=[common], help="write one self-contained HTML page about the pools")
    report.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write it (default: <cache>/model-pools-report.html)"
    )
    serve = sub.add_parser("serve", help="an OpenAI-compatible endpoint over the pools (docs/serve.md)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (not loopback: needs MODELPOOLS_SERVE_KEY)"
    )
    serve.add_argument("--port", type=int, default=8787, help="port (0: any free one; the URL is printed)")
    serve.add_argument("--max-body-bytes", type=int, default=8 * 1024 * 1024, metavar="N", help="largest request body")
    serve.add_argument("--max-concurrent", type=int, default=64, metavar="N", help="requests in flight; more get a 503")
    export = sub.add_parser(
        "export", parents=[common], help="the pools as a LiteLLM config and OpenRouter fallback lists"
    )
    export.add_argument(
        "--out-dir", type=Path, metavar="DIR", help="where to write them (default: the cache directory)"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Callable[[], float] = time_module.time) -> int:
    """Run the command line; return the exit status (quietly 1 when the reader of stdout goes away, as in ``| head``)."""
    try:
        args = build_parser().parse_args(argv)
        try:
            settings = _settings(args)
            handler = {
                "show": _show,
                "explain": _explain,
                "diff": _diff,
                "check": _check,
                "usage": _usage,
                "report": _report,
                "serve": _serve,
                "export": _export,
            }[args.command]
            code = handler(args, settings, clock)
        except ModelPoolsError as exc:
            from modelpools.io.log import printable, redact

            print(f"modelpools: error: {printable(redact(str(exc)))}", file=sys.stderr)
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

    settings = load_settings(getattr(args, "project_dir", None))
    if getattr(args, "cache_dir", None) is not None:
        settings = dataclasses.replace(settings, cache_dir=args.cache_dir.resolve())
    return settings


def _emit(args: argparse.Namespace, data: Any, lines: Sequence[str]) -> None:
    """Print the answer: each text line through log.redact and log.printable (names, dates, ids, errors come from
    upstream data or older files), or JSON whose strings also escape what json.dumps leaves raw (C1, bidi)."""
    from modelpools.io.log import printable, redact

    if getattr(args, "json", False):
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
        print(printable(redact(text), newlines=True, json=True))
    else:
        print("\n".join(printable(redact(line)) for line in lines))


def _show(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.overview import pools_overview, site_provenance_line
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings)
    report = pools_overview(pools, site_provenance_line(pools, settings.files, clock()))
    _emit(args, report.data, report.lines)
    return EXIT_OK


def _explain(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.explanation import explain_model, explain_role, match_report_entry, resolve_id, role_name
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings)
    role = role_name(pools, args.model_id)
    if role is not None:  # `modelpools explain page`: why the role's default won
        report = explain_role(pools, role)
        _emit(args, report.data, report.lines)
        return EXIT_OK
    entry = match_report_entry(settings.files.matches_file, resolve_id(pools, args.model_id))
    report = explain_model(pools, args.model_id, entry)
    _emit(args, report.data, report.lines)
    return EXIT_OK


def _usage(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    import os

    from modelpools.consumer.account import read_key_status_once
    from modelpools.consumer.client import API_KEY_VARIABLE
    from modelpools.consumer.usage_report import format_usage, usage_report

    now = clock()
    key = os.environ.get(API_KEY_VARIABLE, "")
    account = read_key_status_once(settings.openrouter_api_base, key, now) if key.strip() else None
    report = usage_report(
        settings.files.ledger_file, days=args.days, daily_cap=settings.daily_request_cap, now=now, account=account
    )
    _emit(args, report, format_usage(report))
    return EXIT_OK


def _report(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.report import write_report

    path = write_report(settings, args.out, now=clock())
    _emit(args, {"path": str(path)}, [str(path)])
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.client import Client
    from modelpools.consumer.server import SERVE_KEY_VARIABLE, ServeOptions, check_listen, run_server

    options = ServeOptions(
        host=args.host,
        port=args.port,
        serve_key=os.environ.get(SERVE_KEY_VARIABLE),
        max_body_bytes=args.max_body_bytes,
        max_concurrent=args.max_concurrent,
    )
    check_listen(options)

    def ready(url: str) -> None:
        print(f"modelpools serve: listening on {url} (pools: {settings.files.pools_file})", file=sys.stderr, flush=True)

    run_server(Client(settings), options, ready)
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.export import write_exports
    from modelpools.consumer.pools_view import load_pools

    out_dir = args.out_dir if args.out_dir is not None else Path(settings.files.pools_file).parent
    paths = write_exports(load_pools(settings=settings), out_dir)
    _emit(args, {"paths": [str(p) for p in paths]}, [str(p) for p in paths])
    return EXIT_OK


def _diff(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.consumer.pools_view import load_pools
    from modelpools.rules.changes import compare_pools, format_changes

    old = load_pools(args.old, settings=settings).document
    new = load_pools(args.new, settings=settings).document
    report = compare_pools(old, new, settings.expiry_warning_days, now=clock())
    _emit(args, report, format_changes(report))
    return EXIT_OK


def _check(args: argparse.Namespace, settings: Settings, clock: Callable[[], float]) -> int:
    from modelpools.stages.health import health_checks

    checks = health_checks(settings, clock())
    failed = [c for c in checks if c.status == "fail"]
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    lines = [f"{marks[c.status]}  {c.name}: {c.detail}" for c in checks]
    lines.append(f"{len(failed)} failed, {sum(c.status == 'warn' for c in checks)} warnings")
    _emit(args, {"ok": not failed, "checks": [c.to_json() for c in checks]}, lines)
    return EXIT_CHECK_FAILED if failed else EXIT_OK
