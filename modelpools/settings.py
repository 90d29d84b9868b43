"""One frozen Settings object: defaults, then ``[tool.modelpools]`` in pyproject.toml, then MODELPOOLS_* env vars.

Loading them: the key table (each key's parser is in modelpools.setting_values), errors that name where a bad value
came from, did-you-mean for a misspelt key, and CacheFiles, where a site's files live. Each stage reads its own
slice of the Settings (modelpools.slices).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from modelpools.errors import SettingsError
from modelpools.rules.changes import EXPIRY_WARNING_DAYS
from modelpools.rules.roles import BUILTIN_ROLES, RoleRule
from modelpools.setting_values import (
    parse_ab_share,
    parse_bool,
    parse_directory,
    parse_duration,
    parse_fraction,
    parse_git_url,
    parse_int,
    parse_prefix,
    parse_ref,
    parse_roles,
    parse_text,
    parse_tier,
    parse_url,
)

__all__ = [
    "Settings",
    "load_settings",
    "SETTING_KEYS",
    "OTHER_ENV_VARS",
    "CacheFiles",
]


class _InCache:
    """A file in the cache directory, as an attribute of CacheFiles: ``files.pools_file``. ``swept``: a stage writes
    it by replacing (temp file, then rename), so a killed run may leave a temp file of it for the next to remove."""

    __slots__ = ("name", "swept")

    def __init__(self, name: str, *, swept: bool = True) -> None:
        self.name = name
        self.swept = swept
        _IN_CACHE.append(self)

    def __get__(self, files: CacheFiles, owner: type | None = None) -> Path:
        return files.cache_path / self.name


_IN_CACHE: list[_InCache] = []  # every file of CacheFiles, in the order they are listed there


@dataclass(frozen=True)
class Settings:
    """Every setting that affects modelpools' work; build it with load_settings()."""

    project_dir: Path = field(default_factory=Path.cwd)
    openrouter_url: str = "https://openrouter.ai/api/v1/models"
    benchmarks_repo: str = "https://github.com/JonathanChavezTamales/llm-leaderboard.git"
    benchmarks_ref: str = ""
    cache_dir: Path = Path(".cache")
    catalog_ttl: int = 24 * 3600
    benchmarks_ttl: int = 7 * 86400
    retry_after: int = 3600
    offline: bool = False
    strict: bool = False
    include_non_text: bool = False
    http_timeout: int = 10
    max_response_bytes: int = 32 * 1024 * 1024
    clone_timeout: int = 300
    max_checkout_bytes: int = 512 * 1024 * 1024
    fuzzy_threshold: int = 70
    overrides_file: str = ""
    architectures_file: str = ""
    large_cutoff: float = 0.15
    medium_cutoff: float = 0.50
    page_model_other_vendor: bool = True
    small_tasks_tier: str = "MEDIUM"
    expiry_warning_days: int = EXPIRY_WARNING_DAYS
    task_prefix: str = ""
    # consumer side: the chat client and the usage ledger (its slice: slices.ClientSettings; ClientOptions.of reads it)
    openrouter_api_base: str = "https://openrouter.ai/api/v1"
    daily_request_cap: int = 50
    requests_per_minute: int = 20
    client_concurrency: int = 4
    client_timeout: int = 120
    max_reply_bytes: int = 4 * 1024 * 1024
    usage_retention_days: int = 30
    usage_window_days: int = 7
    ab_share: float = 0.0  # A/B experiments: the share of a role's requests sent to its runners-up (0: off)
    roles: tuple[RoleRule, ...] = BUILTIN_ROLES
    # the coding probe (docs/probe.md): off unless probe = true and OPENROUTER_API_KEY is set
    probe: bool = False
    probe_daily_requests: int = 20
    probe_items_per_request: int = 10
    probe_ttl: int = 30 * 86400
    probe_anchors: int = 3

    @property
    def cache_path(self) -> Path:
        """The cache directory as an absolute path."""
        return self.cache_dir if self.cache_dir.is_absolute() else self.project_dir / self.cache_dir

    @cached_property  # built once per Settings: every task and slice of a doit run asks for it
    def files(self) -> CacheFiles:
        """Where this site's modelpools files live (and the task prefix its hints name)."""
        return CacheFiles(self.project_dir, self.cache_path, self.task_prefix)

    @property
    def overrides_path(self) -> Path | None:
        """The user's overrides file as an absolute path, or None."""
        return self.files.resolve(self.overrides_file)

    @property
    def architectures_path(self) -> Path | None:
        """The site's architecture table as an absolute path, or None."""
        return self.files.resolve(self.architectures_file)


class _CacheRoot(NamedTuple):
    project_dir: Path
    cache_path: Path
    task_prefix: str = ""


class CacheFiles(_CacheRoot):
    """Where a site's modelpools files live, and the prefix of its task names (hints say `doit <prefix>pools`).

    The one list of the files in the cache directory, spelt ``settings.files.pools_file`` for a Settings and a stage's
    slice alike; the names the leftover sweep looks for (``swept_names``) and the paths the doit tasks name
    (``relative()``) come from it.
    """

    __slots__ = ()

    catalog_file = _InCache("openrouter-models.json")
    catalog_meta_file = _InCache("openrouter-models.meta.json")
    clone_dir = _InCache("llm-stats-data")
    benchmarks_meta_file = _InCache("llm-stats.meta.json")
    benchmark_scores_file = _InCache("benchmark-scores.json")
    matches_file = _InCache("model-matches.json")
    memory_file = _InCache("evidence-memory.json")
    pools_file = _InCache("model-pools.json")
    changes_file = _InCache("model-pools-changes.json")
    ledger_file = _InCache("usage.sqlite", swept=False)  # SQLite keeps its own journal
    usage_summary_file = _InCache("usage-summary.json")
    probe_results_file = _InCache("probe-results.json")

    @staticmethod
    def swept_names() -> list[str]:
        """The names of the cache files a killed run may leave temp files of (all but the ledger)."""
        return [file.name for file in _IN_CACHE if file.swept]

    def relative(self) -> CacheFiles:
        """These files as a site's dodo.py names them: relative to the project directory when inside it."""
        try:
            return self._replace(cache_path=self.cache_path.relative_to(self.project_dir))
        except ValueError:
            return self

    def resolve(self, name: str) -> Path | None:
        """A user file setting as an absolute path (relative to the project), or None when unset."""
        if not name:
            return None
        path = Path(name)
        return path if path.is_absolute() else self.project_dir / path

    def task(self, name: str) -> str:
        """How the user runs a stage: ``doit <prefix><name>``."""
        return f"doit {self.task_prefix}{name}"


# key -> parser; every key is settable as [tool.modelpools] <key> or MODELPOOLS_<KEY>.
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "openrouter_url": parse_url(("https", "http")),
    "benchmarks_repo": parse_git_url,
    "benchmarks_ref": parse_ref,
    "cache_dir": parse_directory,
    "catalog_ttl": parse_duration,
    "benchmarks_ttl": parse_duration,
    "retry_after": parse_duration,
    "offline": parse_bool,
    "strict": parse_bool,
    "include_non_text": parse_bool,
    "http_timeout": parse_int(1, 600),
    "max_response_bytes": parse_int(1024, 1 << 32),
    "clone_timeout": parse_int(1, 86400),
    "max_checkout_bytes": parse_int(1 << 20, 1 << 40),
    "fuzzy_threshold": parse_int(0, 100),
    "overrides_file": parse_text,
    "architectures_file": parse_text,
    "large_cutoff": parse_fraction,
    "medium_cutoff": parse_fraction,
    "page_model_other_vendor": parse_bool,
    "small_tasks_tier": parse_tier,
    "expiry_warning_days": parse_int(0, 3650),
    "task_prefix": parse_prefix,
    "openrouter_api_base": parse_url(("https", "http")),
    "daily_request_cap": parse_int(1, 1_000_000),
    "requests_per_minute": parse_int(0, 100_000),
    "client_concurrency": parse_int(1, 256),
    "client_timeout": parse_int(1, 3600),
    "max_reply_bytes": parse_int(1024, 1 << 30),
    "usage_retention_days": parse_int(1, 3650),
    "usage_window_days": parse_int(1, 365),
    "ab_share": parse_ab_share,
    "roles": parse_roles,
    "probe": parse_bool,
    "probe_daily_requests": parse_int(1, 100_000),
    "probe_items_per_request": parse_int(1, 50),
    "probe_ttl": parse_duration,
    "probe_anchors": parse_int(0, 20),
}
SETTING_KEYS = tuple(_PARSERS)
# MODELPOOLS_* environment variables that are not settings (read elsewhere); any other unknown one stops the run.
OTHER_ENV_VARS: tuple[str, ...] = ()


def _read_pyproject(project_dir: Path) -> dict[str, Any]:
    path = project_dir / "pyproject.toml"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    if sys.version_info >= (3, 11):  # imported here: a site without pyproject.toml never pays for the parser
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc}); fix the file") from None
    tools = document.get("tool", {})
    misspelt = _misspelt_tables(tools) if isinstance(tools, dict) else []
    if misspelt:
        raise SettingsError(f"{path}: unknown table [tool.{misspelt[0]}] (did you mean [tool.modelpools]?); rename it")
    table = tools.get("modelpools", {}) if isinstance(tools, dict) else {}
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.modelpools] must be a table")
    return table


def _misspelt_tables(tools: Mapping[str, Any]) -> list[str]:
    """The ``[tool.X]`` tables whose name is close to ``modelpools`` (``modelpool``, ``model-pools``): a typo there
    would otherwise leave the build on its defaults without a word."""
    import difflib

    def bare(name: str) -> str:
        return name.lower().replace("-", "").replace("_", "")

    return [
        name
        for name in tools
        if name != "modelpools" and difflib.SequenceMatcher(None, bare(name), "modelpools").ratio() >= 0.85
    ]


def load_settings(project_dir: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from defaults, ``[tool.modelpools]`` and ``MODELPOOLS_*`` variables; raise SettingsError."""
    project = Path(project_dir) if project_dir is not None else Path.cwd()
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    pyproject = project / "pyproject.toml"
    for raw_key, raw in _read_pyproject(project).items():
        key = raw_key.replace("-", "_")
        if key not in _PARSERS:
            raise SettingsError(
                f"{pyproject}: unknown key {raw_key!r} in [tool.modelpools]{_suggest(key)}; "
                f"known keys: {', '.join(SETTING_KEYS)}"
            )
        values[key] = _parse(key, raw, f"[tool.modelpools] {raw_key} in {pyproject}")
    names = {"MODELPOOLS_" + key.upper(): key for key in _PARSERS}
    for name in sorted(n for n in environ if n.startswith("MODELPOOLS_")):
        if name in names and environ[name] == "":
            raise SettingsError(f"{name} is set but empty; set it to {_accepted(names[name])} or unset it")
        if name in names:
            values[names[name]] = _parse(names[name], environ[name], name)
        elif name not in OTHER_ENV_VARS:
            hint = _suggest(name.removeprefix("MODELPOOLS_").lower(), "MODELPOOLS_")
            raise SettingsError(f"unknown environment variable {name}{hint}; fix its name or unset it")
    settings = Settings(project_dir=project.resolve(), **values)
    if settings.large_cutoff >= settings.medium_cutoff:
        raise SettingsError(
            f"large_cutoff ({settings.large_cutoff}) must be below medium_cutoff ({settings.medium_cutoff})"
        )
    return settings


def _suggest(key: str, prefix: str = "") -> str:
    """' (did you mean catalog_ttl?)' for the closest setting key (difflib), or ''."""
    import difflib  # only on an error: keeps the no-op import cheap

    close = difflib.get_close_matches(key, SETTING_KEYS, n=1, cutoff=0.75)
    return f" (did you mean {prefix}{close[0].upper() if prefix else close[0]}?)" if close else ""


def _accepted(key: str) -> str:
    """What the key accepts, in the words of its parser's error (an empty value is refused by most of them)."""
    try:
        _PARSERS[key]("\0")  # the parsers with a shape (numbers, URLs, booleans) refuse it and say what they accept
    except ValueError as exc:
        return str(exc)
    return "a value"  # free text: a ref, a path


def _parse(key: str, raw: Any, where: str) -> Any:
    try:
        return _PARSERS[key](raw)
    except ValueError as exc:
        from modelpools.io.log import printable, redact

        shown = printable(repr(redact(raw, raw) if isinstance(raw, str) else raw))  # never a password in a message
        raise SettingsError(f"{where}: invalid value {shown}; expected {exc}") from None
