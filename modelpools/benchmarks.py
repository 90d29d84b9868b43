"""Benchmark stage: shallow-clone LLM-Stats, read either layout, score coding benchmarks, write benchmark-scores.json."""

from __future__ import annotations

import json
import math
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import log
from .errors import DataError, FetchError
from .fileio import dump_json, read_json, write_if_changed
from .gitsource import sync_checkout
from .scoring import Result, canonical_benchmark, coding_score, select_components

__all__ = [
    "MAX_FILE_BYTES",
    "ModelRecord",
    "Problems",
    "benchmarks_are_fresh",
    "detect_layout",
    "parse_checkout",
    "refresh_benchmarks",
    "scores_document",
]

MAX_FILE_BYTES = 4 * 1024 * 1024  # no single model/benchmark file in LLM-Stats is near this
_HF = re.compile(r"^https?://(?:www\.)?huggingface\.co/([A-Za-z0-9][\w.-]*)/([A-Za-z0-9][\w.-]*)(?:[/?#].*)?$")
_HF_NON_REPO = {"datasets", "spaces", "models", "docs", "blog", "collections", "papers"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


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
    try:
        with open(path, "rb") as handle:  # callers never pass symlinks (checked with lstat)
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _Skip(f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise _Skip(f"larger than {max_bytes} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _Skip("nests JSON too deeply") from None
    except ValueError as exc:  # bad UTF-8 or JSON, or an integer past the int/str conversion limit
        raise _Skip(f"not valid JSON ({exc.__class__.__name__}: {str(exc)[:80]})") from None
    if _SURROGATE_ESCAPE.search(data):  # rare: "\ud800" escapes; a lone half cannot be written back as UTF-8
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise _Skip("holds a lone UTF-16 surrogate escape (\\udXXX)") from None
    return doc


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
    raise DataError(
        f"{root} has neither LLM-Stats layout: expected data/organizations/<org>/models/<model>/model.json "
        "(+ data/benchmarks/) or models/<org>/<model>/model.json; check benchmarks_repo/benchmarks_ref"
    )


def _opt_str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _opt_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
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
    names = [row.get(k) for k in name_keys if isinstance(row.get(k), str)]
    if not names:
        return f"score row lacks {name_keys[0]}"
    coding = next((n for n in names if canonical_benchmark(n) is not None), None)
    if coding is None:
        return None  # not a coding benchmark: ignored, whatever its scale
    score = row.get(score_key)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
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


def _parse_old(root: Path, problems: Problems, max_bytes: int) -> list[ModelRecord]:
    models = []
    for org_dir in _dirs(root / "models", problems):
        for model_dir in _dirs(org_dir, problems):
            path = _file(model_dir, "model.json", problems)
            if path is None:
                continue
            try:
                doc = _read(path, max_bytes)
                if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                    raise _Skip("not a model object with a name")
                results = _results(doc.get("qualitative_metrics", []), path, root, problems,
                                   ("dataset_name",), "score")
            except _Skip as exc:
                problems.add(path, root, str(exc))
                continue
            weights = _opt_str(doc.get("weights_link"))
            models.append(ModelRecord(
                org_dir.name, model_dir.name, doc["name"], _opt_str(doc.get("release_date")),
                _opt_int(doc.get("param_count")), _opt_int(doc.get("input_context_size")),
                hugging_face_id(weights, doc.get("repo_link")), weights, results))
    return models


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
    for org_dir in _dirs(root / "data" / "organizations", problems):
        for model_dir in _dirs(org_dir / "models", problems):
            path = _file(model_dir, "model.json", problems)
            if path is None:
                continue
            try:
                doc = _read(path, max_bytes)
                if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                    raise _Skip("not a model object with a name")
                scores_path = _file(model_dir, "benchmarks.json", problems)
                rows = _read(scores_path, max_bytes) if scores_path else []
            except _Skip as exc:
                problems.add(path, root, str(exc))
                continue
            try:
                results = _results(rows, scores_path or path, root, problems,
                                   ("benchmark_id", "benchmark_name"), "normalized_score")
            except _Skip as exc:
                problems.add(scores_path or path, root, str(exc))
                results = ()
            weights = _opt_str(doc.get("source_weights_link"))
            models.append(ModelRecord(
                org_dir.name, model_dir.name, doc["name"], _opt_str(doc.get("release_date")),
                _opt_int(doc.get("param_count")), contexts.get(model_dir.name),
                hugging_face_id(weights, doc.get("source_repo_link")), weights, results))
    return models


def parse_checkout(root: Path, max_file_bytes: int = MAX_FILE_BYTES) -> tuple[str, list[ModelRecord], Problems]:
    """(layout, models sorted by id, problems) for an LLM-Stats checkout; DataError when neither layout is there."""
    layout = detect_layout(root)
    problems = Problems(root)
    parse = _parse_new if layout == "new" else _parse_old
    models = sorted(parse(root, problems, max_file_bytes), key=lambda m: m.id)
    return layout, models, problems


def _model_json(model: ModelRecord) -> dict[str, Any]:
    components = select_components(model.results)
    score, coverage = coding_score(components)
    return {
        "id": model.id, "org": model.org, "slug": model.slug, "name": model.name,
        "releaseDate": model.release_date, "paramCount": model.param_count, "contextSize": model.context_size,
        "huggingFaceId": model.hugging_face_id, "weightsUrl": model.weights_url,
        "codingScore": score, "coverage": coverage, "components": [c.to_json() for c in components],
    }


def scores_document(repo: str, commit: str | None, layout: str | None, models: list[ModelRecord]) -> dict[str, Any]:
    """The benchmark-scores.json document (contract in docs/CONTRACTS.md)."""
    return {
        "schemaVersion": 1,
        "source": {"repo": repo, "commit": commit, "layout": layout},
        "models": [_model_json(m) for m in sorted(models, key=lambda m: m.id)],
    }


def _read_meta(settings) -> dict[str, Any]:
    try:
        meta = read_json(settings.benchmarks_meta_file, "benchmarks meta file", 1 << 20)
    except DataError:
        return {}
    return meta if isinstance(meta, dict) else {}


def benchmarks_are_fresh(settings, now: float | None = None) -> bool:
    """True when the last refresh succeeded for the configured repo and ref within benchmarks_ttl."""
    meta = _read_meta(settings)
    refreshed = meta.get("refreshedAt")
    if meta.get("status") != "ok" or meta.get("source") != settings.benchmarks_repo:
        return False
    if meta.get("ref", "") != settings.benchmarks_ref or not settings.benchmark_scores_file.is_file():
        return False
    if isinstance(refreshed, bool) or not isinstance(refreshed, (int, float)):
        return False
    now = time.time() if now is None else now
    return 0 <= now - refreshed < settings.benchmarks_ttl


def _write_meta(settings, status: str, refreshed: float | None, attempted: float, commit: str | None,
                layout: str | None, error: str | None) -> None:
    meta = {"source": settings.benchmarks_repo, "ref": settings.benchmarks_ref, "status": status,
            "refreshedAt": refreshed, "attemptedAt": attempted, "commit": commit, "layout": layout,
            "lastError": error}
    write_if_changed(settings.benchmarks_meta_file, dump_json(meta))


def _scores_usable(settings) -> bool:
    """True when benchmark-scores.json parses and has a models list."""
    try:
        doc = read_json(settings.benchmark_scores_file, "benchmark scores")
    except DataError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("models"), list)


def _summary(document: dict[str, Any], commit: str | None) -> str:
    scored = sum(1 for m in document["models"] if m["codingScore"] is not None)
    return (f"benchmarks: {len(document['models'])} models, {scored} with a coding score "
            f"({document['source']['layout']} layout, commit {(commit or '?')[:12]})")


def refresh_benchmarks(settings, now: float | None = None) -> str:
    """Clone/update LLM-Stats (unless offline), score it and write benchmark-scores.json; one summary line."""
    attempted = time.time() if now is None else now
    checkout = settings.clone_dir
    previous = _read_meta(settings)
    error: str | None = None
    commit: str | None = None
    if settings.offline:
        error = "offline (MODELPOOLS_OFFLINE=1)"
    else:
        try:
            commit = sync_checkout(settings.benchmarks_repo, settings.benchmarks_ref, checkout,
                                   settings.clone_timeout, settings.max_checkout_bytes)
        except FetchError as exc:
            if settings.strict:
                raise
            error = str(exc)
    has_checkout = (checkout / ".git").is_dir()
    if commit is None and not has_checkout:
        document = scores_document(settings.benchmarks_repo, None, None, [])
        write_if_changed(settings.benchmark_scores_file, dump_json(document))
        _write_meta(settings, "curated-only", None, attempted, None, None, error)
        log.warn(f"no LLM-Stats checkout ({error}); only curated coding scores will be used")
        return "benchmarks: no LLM-Stats data, curated scores only"
    if commit is None:  # keep the previous checkout and its scores untouched
        _write_meta(settings, "fallback", previous.get("refreshedAt"), attempted, previous.get("commit"),
                    previous.get("layout"), error)
        if not settings.offline:
            log.warn(f"could not update {settings.benchmarks_repo} ({error}); keeping the previous checkout")
        if _scores_usable(settings):  # a damaged scores file is rebuilt from the kept checkout below
            return f"benchmarks: kept previous scores (commit {str(previous.get('commit') or '?')[:12]})"
        commit = previous.get("commit") if isinstance(previous.get("commit"), str) else None
    try:
        layout, models, problems = parse_checkout(checkout)
    except DataError as exc:
        _write_meta(settings, "fallback", previous.get("refreshedAt"), attempted, commit, None, str(exc))
        raise
    problems.report()
    document = scores_document(settings.benchmarks_repo, commit, layout, models)
    write_if_changed(settings.benchmark_scores_file, dump_json(document))
    if error is None:
        _write_meta(settings, "ok", attempted, attempted, commit, layout, None)
    return _summary(document, commit)
