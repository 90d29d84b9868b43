"""LLM-Stats readers: turn a checkout in either repository layout into model records (pure parsing, no git)."""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelpools.errors import DataError, UnreadableJson
from modelpools.io import log
from modelpools.io.files import read_json
from modelpools.rules.numbers import is_number
from modelpools.rules.scoring import Result, canonical_benchmark

__all__ = [
    "LAYOUTS",
    "LAYOUT_HINT",
    "MAX_FILE_BYTES",
    "BenchmarkDefinition",
    "ModelRecord",
    "Problems",
    "code_benchmarks",
    "detect_layout",
    "hugging_face_id",
    "parse_checkout",
]

MAX_FILE_BYTES = 4 * 1024 * 1024  # no single model/benchmark file in LLM-Stats is near this
_HF = re.compile(r"^https?://(?:www\.)?huggingface\.co/([A-Za-z0-9][\w.-]*)/([A-Za-z0-9][\w.-]*)(?:[/?#].*)?$")
_HF_NON_REPO = {"datasets", "spaces", "models", "docs", "blog", "collections", "papers"}
_SURROGATE = re.compile("[\ud800-\udfff]")
# The directories each layout needs, newest first: the git source checks a fetched commit against these before
# touching the checkout, and detect_layout checks a checkout on disk.
LAYOUTS: dict[str, tuple[str, ...]] = {"new": ("data/organizations", "data/benchmarks"), "old": ("models",)}
LAYOUT_HINT = (
    "expected data/organizations/<org>/models/<model>/model.json (+ data/benchmarks/) "
    "or models/<org>/<model>/model.json"
)


@dataclass(frozen=True)
class ModelRecord:
    """One LLM-Stats model with its metadata and raw coding-relevant score rows."""

    org: str
    slug: str
    name: str
    release_date: str | None
    param_count: int | None
    context_size: int | None
    hugging_face_id: str | None
    weights_url: str | None
    results: tuple[Result, ...]

    @property
    def id(self) -> str:
        """``<org>/<model>`` as in the repository's directories."""
        return f"{self.org}/{self.slug}"


@dataclass
class Problems:
    """Files or rows skipped while parsing, reported as a few warning lines plus a count."""

    root: Path
    items: list[str] = field(default_factory=list)
    symlinks: int = 0

    def inside(self, path: Path) -> bool:
        """True when path is no symlink and resolves inside the checkout (no symlinked parent either)."""
        if path.is_symlink():
            self.symlinks += 1
            return False
        real, top = os.path.realpath(path), os.path.realpath(self.root)
        if real != top and not real.startswith(top + os.sep):
            self.symlinks += 1
            return False
        return True

    def add(self, path: Path, root: Path, reason: str) -> None:
        """Remember that path (shown relative to root) was skipped for reason."""
        self.items.append(f"{path.relative_to(root).as_posix()}: {reason}")

    def report(self, shown: int = 3) -> None:
        """Warn about the first few problems and count the rest."""
        for item in self.items[:shown]:
            log.warn(f"benchmark data: skipped {item}")
        if len(self.items) > shown:
            log.warn(f"benchmark data: skipped {len(self.items) - shown} more malformed files or rows")
        if self.symlinks:
            log.warn(f"benchmark data: ignored {self.symlinks} symlinks in the checkout (symlinks are never followed)")


class _Skip(Exception):
    pass


def _read(path: Path, max_bytes: int) -> Any:
    """One checkout file's JSON (callers never pass symlinks: checked with lstat); _Skip with the reason if unusable."""
    try:
        return read_json(path, path.name, max_bytes, advice="", lone_surrogates=False)
    except UnreadableJson as exc:
        raise _Skip(exc.reason.removeprefix("is ")) from None
    except DataError:  # gone since the directory was listed
        raise _Skip("cannot be read (not found)") from None


def _entries(directory: Path, problems: Problems) -> list[os.DirEntry]:
    """Real (non-symlink) entries of directory, sorted by name; symlinks are counted and skipped."""
    if not problems.inside(directory):
        return []
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for entry in entries:
        if entry.is_symlink():
            problems.symlinks += 1
        elif _SURROGATE.search(entry.name):  # undecodable bytes in the name (os.fsdecode surrogateescape)
            problems.add(Path(entry.path), problems.root, "name is not UTF-8")
        else:
            out.append(entry)
    return out


def _dirs(directory: Path, problems: Problems) -> list[Path]:
    if not directory.exists():
        return []
    return [Path(e.path) for e in _entries(directory, problems) if e.is_dir(follow_symlinks=False)]


def _file(directory: Path, name: str, problems: Problems) -> Path | None:
    path = directory / name
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not problems.inside(path):
        return None
    return path if stat.S_ISREG(st.st_mode) else None


def detect_layout(root: Path) -> str:
    """'new' (data/organizations + data/benchmarks) or 'old' (models/<org>/<model>); DataError otherwise."""
    if (root / "data" / "organizations").is_dir() and (root / "data" / "benchmarks").is_dir():
        return "new"
    if (root / "models").is_dir() and not (root / "models").is_symlink():
        return "old"
    raise DataError(f"{root} has neither LLM-Stats layout: {LAYOUT_HINT}; check benchmarks_repo/benchmarks_ref")


def _opt_str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _opt_int(value: Any) -> int | None:
    if not is_number(value) or value <= 0:
        return None
    if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity
        return None
    return int(value)


def hugging_face_id(*links: Any) -> str | None:
    """``owner/repo`` from the first Hugging Face model URL among links, else None."""
    for link in links:
        match = _HF.match(link.strip()) if isinstance(link, str) else None
        if match and match.group(1) not in _HF_NON_REPO:
            return f"{match.group(1)}/{match.group(2)}"
    return None


def _result(row: Any, name_keys: tuple[str, ...], score_key: str) -> Result | str | None:
    """A coding Result from one score row, None for non-coding rows, or a reason string when malformed."""
    if not isinstance(row, dict):
        return "score row is not an object"
    names = [name for k in name_keys if isinstance(name := row.get(k), str)]
    if not names:
        return f"score row lacks {name_keys[0]}"
    coding = next((n for n in names if canonical_benchmark(n) is not None), None)
    if coding is None:
        return None  # not a coding benchmark: ignored, whatever its scale
    score = row.get(score_key)
    if not is_number(score) or math.isnan(score):
        return f"{coding}: {score_key} is not a number"
    if not 0.0 <= score <= 1.0:
        return f"{coding}: {score_key} {score} is outside the 0-1 scale"
    self_reported = row.get("is_self_reported", False)
    if not isinstance(self_reported, bool):
        return f"{coding}: is_self_reported is not true/false"
    return Result(coding, float(score), self_reported)


def _results(rows: Any, path: Path, root: Path, problems: Problems, name_keys, score_key) -> tuple[Result, ...]:
    if not isinstance(rows, list):
        raise _Skip("scores are not a list")
    out = []
    for row in rows:
        got = _result(row, name_keys, score_key)
        if isinstance(got, str):
            problems.add(path, root, got)
        elif got is not None:
            out.append(got)
    return tuple(out)


def _model_docs(
    root: Path, orgs: Path, subdir: str, problems: Problems, max_bytes: int
) -> Iterator[tuple[Path, Path, Path, dict[str, Any]]]:
    """(org_dir, model_dir, path, doc) per orgs/<org>/<subdir>/<model>/model.json holding a named model object."""
    for org_dir in _dirs(orgs, problems):
        for model_dir in _dirs(org_dir / subdir, problems):
            path = _file(model_dir, "model.json", problems)
            if path is None:
                continue
            try:
                doc = _read(path, max_bytes)
                if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                    raise _Skip("not a model object with a name")
            except _Skip as exc:
                problems.add(path, root, str(exc))
                continue
            yield org_dir, model_dir, path, doc


def _parse_old(root: Path, problems: Problems, max_bytes: int) -> list[ModelRecord]:
    models = []
    for org_dir, model_dir, path, doc in _model_docs(root, root / "models", "", problems, max_bytes):
        try:
            results = _results(doc.get("qualitative_metrics", []), path, root, problems, ("dataset_name",), "score")
        except _Skip as exc:
            problems.add(path, root, str(exc))
            continue
        context = _opt_int(doc.get("input_context_size"))
        models.append(_record(org_dir, model_dir, doc, context, ("weights_link", "repo_link"), results))
    return models


def _record(
    org_dir: Path, model_dir: Path, doc: dict, context: int | None, links: tuple[str, str], results: tuple
) -> ModelRecord:
    """The ModelRecord of one model document; ``links`` names its weights and repository keys in this layout."""
    weights = _opt_str(doc.get(links[0]))
    return ModelRecord(
        org_dir.name,
        model_dir.name,
        doc["name"],
        _opt_str(doc.get("release_date")),
        _opt_int(doc.get("param_count")),
        context,
        hugging_face_id(weights, doc.get(links[1])),
        weights,
        results,
    )


def _context_sizes(root: Path, problems: Problems, max_bytes: int) -> dict[str, int]:
    """Largest max_input_tokens per model_id over data/providers/*/models.json (model.json has no context size)."""
    sizes: dict[str, int] = {}
    for provider in _dirs(root / "data" / "providers", problems):
        path = _file(provider, "models.json", problems)
        if path is None:
            continue
        try:
            rows = _read(path, max_bytes)
        except _Skip as exc:
            problems.add(path, root, str(exc))
            continue
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and isinstance(row.get("model_id"), str):
                size = _opt_int(row.get("max_input_tokens"))
                if size and size > sizes.get(row["model_id"], 0):
                    sizes[row["model_id"]] = size
    return sizes


def _parse_new(root: Path, problems: Problems, max_bytes: int) -> list[ModelRecord]:
    contexts = _context_sizes(root, problems, max_bytes)
    models = []
    orgs = root / "data" / "organizations"
    for org_dir, model_dir, path, doc in _model_docs(root, orgs, "models", problems, max_bytes):
        try:
            scores_path = _file(model_dir, "benchmarks.json", problems)
            rows = _read(scores_path, max_bytes) if scores_path else []
        except _Skip as exc:
            problems.add(path, root, str(exc))
            continue
        try:
            results = _results(
                rows, scores_path or path, root, problems, ("benchmark_id", "benchmark_name"), "normalized_score"
            )
        except _Skip as exc:
            problems.add(scores_path or path, root, str(exc))
            results = ()
        context = contexts.get(model_dir.name)
        models.append(_record(org_dir, model_dir, doc, context, ("source_weights_link", "source_repo_link"), results))
    return models


def parse_checkout(root: Path, max_file_bytes: int = MAX_FILE_BYTES) -> tuple[str, list[ModelRecord], Problems]:
    """(layout, models sorted by id, problems) for an LLM-Stats checkout; DataError when neither layout is there."""
    layout = detect_layout(root)
    problems = Problems(root)
    parse = _parse_new if layout == "new" else _parse_old
    models = sorted(parse(root, problems, max_file_bytes), key=lambda m: m.id)
    return layout, models, problems


@dataclass(frozen=True)
class BenchmarkDefinition:
    """A new-layout data/benchmarks/<id>.json entry: its id, display name and categories."""

    id: str
    name: str
    categories: tuple[str, ...]


def code_benchmarks(root: Path, problems: Problems, max_bytes: int = MAX_FILE_BYTES) -> list[BenchmarkDefinition]:
    """The new layout's data/benchmarks/*.json definitions in category "code", sorted by id (none in the old layout)."""
    found = []
    directory = root / "data" / "benchmarks"
    for entry in _entries(directory, problems) if directory.is_dir() else []:
        if not entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
            continue
        path = Path(entry.path)
        try:
            doc = _read(path, max_bytes)
        except _Skip as exc:
            problems.add(path, root, str(exc))
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("benchmark_id"), str):
            problems.add(path, root, "not a benchmark definition with a benchmark_id")
            continue
        categories = given if isinstance(given := doc.get("categories"), list) else []
        name = doc["name"] if isinstance(doc.get("name"), str) else doc["benchmark_id"]
        if "code" in categories:
            found.append(
                BenchmarkDefinition(doc["benchmark_id"], name, tuple(c for c in categories if isinstance(c, str)))
            )
    return sorted(found, key=lambda d: d.id)
