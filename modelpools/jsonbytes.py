"""JSON as bytes, pure: the one encoding (canonical: the same data gives the same bytes) and the one decoding
(a one-line UnreadableJson naming what was read). Used by the rules, the records and the file I/O alike."""

from __future__ import annotations

import json
from typing import Any

from modelpools.errors import UnreadableJson

__all__ = ["dump_json", "parse_json_bytes"]


def dump_json(obj: Any) -> bytes:
    """Canonical bytes for obj: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def parse_json_bytes(data: bytes, what: str, advice: str = "") -> Any:
    """JSON from UTF-8 bytes; UnreadableJson "<what> is not UTF-8 / not valid JSON ...<advice>" when they are not."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 (byte {exc.start})"
    except json.JSONDecodeError as exc:
        cut = ", perhaps truncated" if exc.pos >= len(exc.doc.rstrip()) else ""  # the text ended mid-value
        problem = f"is not valid JSON{cut} (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    except RecursionError:
        problem = "nests JSON too deeply"
    except ValueError as exc:  # an integer past Python's int/str conversion limit (4300 digits)
        problem = f"is not valid JSON ({str(exc)[:60]})"
    raise UnreadableJson(f"{what} {problem}{advice}", problem) from None
