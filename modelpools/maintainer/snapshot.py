"""Maintainer command ``python -m modelpools.maintainer.snapshot``: regenerate the bundled catalog snapshot."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from modelpools.errors import DataError, ModelPoolsError
from modelpools.io.files import write_if_changed
from modelpools.io.log import printable, redact
from modelpools.jsonbytes import dump_json
from modelpools.records import CATALOG_SNAPSHOT_VERSION
from modelpools.resources import CATALOG_SNAPSHOT
from modelpools.rules.days import parse_day
from modelpools.rules.freemodels import parse_body, select_free_models, select_reference_scores

__all__ = ["build_snapshot", "main"]


def build_snapshot(body: Any, captured: str, source: str) -> dict[str, Any]:
    """The bundled-snapshot document: the cache form (free models and referenceScores) plus capturedAt and source."""
    if parse_day(captured) is None:
        raise DataError(f"capture date {captured!r} is not YYYY-MM-DD")
    models = select_free_models(body, include_non_text=False)
    if not models:
        raise DataError(f"the catalog from {source} lists no free models; refusing to write an empty snapshot")
    return {
        "schemaVersion": CATALOG_SNAPSHOT_VERSION,
        "capturedAt": captured,
        "source": source,
        "models": models,
        "referenceScores": select_reference_scores(body),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m modelpools.maintainer.snapshot [--from FILE_OR_URL] [--captured YYYY-MM-DD]``."""
    import argparse

    from modelpools.settings import load_settings

    snap = argparse.ArgumentParser(prog="python -m modelpools.maintainer.snapshot", description=__doc__)
    snap.add_argument("--from", dest="origin", help="a catalog dump file or URL (default: the configured URL)")
    snap.add_argument(
        "--captured", help="capture date YYYY-MM-DD (default: today for a URL, the date in a dump file's name)"
    )
    snap.add_argument("--source", help="text for the snapshot's source key (default: the URL or file name)")
    snap.add_argument("--output", type=Path, default=CATALOG_SNAPSHOT, help="where to write (default: %(default)s)")
    args = snap.parse_args(argv)
    try:
        settings = load_settings()
        origin = args.origin or settings.openrouter_url
        if re.match(r"^https?://", origin, re.IGNORECASE):
            from modelpools.io.http import fetch_sync

            response = fetch_sync(origin, timeout=settings.http_timeout, max_bytes=settings.max_response_bytes)
            raw, source = response.body, redact(origin)
            captured = args.captured or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        else:
            path = Path(origin)
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise DataError(f"cannot read catalog dump {path}: {exc.strerror}") from None
            source = path.name
            found = re.search(r"\d{4}-\d{2}-\d{2}", path.name)
            captured = args.captured or (found.group(0) if found else None)
            if captured is None:
                raise DataError(f"no date in the file name {path.name}; pass --captured YYYY-MM-DD")
        snapshot = build_snapshot(parse_body(raw, source), captured, args.source or source)
        written = write_if_changed(args.output, dump_json(snapshot))
    except ModelPoolsError as exc:
        print(f"modelpools: error: {printable(redact(str(exc)))}", file=sys.stderr, flush=True)
        return 1
    state = "written" if written else "unchanged"
    print(
        f"snapshot {state}: {args.output} ({len(snapshot['models'])} free models, "
        f"{len(snapshot['referenceScores'])} reference scores, captured {captured})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
