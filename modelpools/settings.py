"""One frozen Settings object: defaults, then ``[tool.modelpools]`` in pyproject.toml, then MODELPOOLS_* env vars.

Each stage reads its own slice of it (modelpools.slices).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from modelpools.errors import SettingsError

__all__ = [
    "Settings",
    "load_settings",
    "parse_duration",
    "SETTING_KEYS",
    "OTHER_ENV_VARS",
    "CacheFiles",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_duration(value: Any) -> int:
    """Seconds from an int or a string like ``90``, ``90s``, ``30m``, ``24h``, ``7d``."""
    if isinstance(value, bool):
        raise ValueError("a duration")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a non-negative duration")
        return int(value)
    match = _DURATION.match(str(value).lower())
    if not match:
        raise ValueError("a duration: seconds, or a number followed by s, m, h or d (e.g. 90s, 30m, 24h, 7d)")
    return int(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("a boolean: 1/0, true/false, yes/no, on/off")


def _parse_int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"a whole number from {low} to {high}")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"a whole number from {low} to {high}") from None
        if not low <= number <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return number

    return parse


def _parse_fraction(value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError("a fraction between 0 and 1 (e.g. 0.15)") from None
    if not 0.0 < number <= 1.0:
        raise ValueError("a fraction between 0 and 1 (e.g. 0.15)")
    return number


def _parse_url(schemes: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        from urllib.parse import urlsplit

        text = str(value).strip()
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        expected = "a URL starting with " + " or ".join(s + "://" for s in schemes)
        if scheme not in schemes:
            raise ValueError(expected)
        if any(c.isspace() or not c.isprintable() for c in text):
            raise ValueError(f"{expected}, without spaces or control characters")
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises ValueError for a port past 65535 or not a number
        except ValueError:
            raise ValueError(f"{expected}, with a valid host and a port from 1 to 65535") from None
        if scheme != "file" and not parts.hostname:
            raise ValueError(f"{expected} and a host name")
        if "@" in text.split("://", 1)[1].split("@", 1)[1] if "@" in parts.netloc else "@" in parts.path + parts.query:
            raise ValueError(f"{expected}; percent-encode @ / ? # in a user name or password (%40 %2F %3F %23)")
        return text

    return parse


def _parse_git_url(value: Any) -> str:
    text = str(value).strip()
    if text.startswith("-"):
        raise ValueError("a git URL (https://, ssh://, git://, file:// or user@host:path)")
    if "://" in text:
        return _parse_url(("https", "ssh", "git", "file"))(text)
    if re.match(r"^[\w.-]+@[\w.-]+:", text):  # scp-like ssh syntax
        return text
    raise ValueError("a git URL (https://, ssh://, git://, file:// or user@host:path)")


def _parse_ref(value: Any) -> str:
    text = str(value).strip()
    if text.startswith("-") or any(c in text for c in " \t\n~^:?*[\\") or ".." in text:
        raise ValueError("a branch, tag or commit name (no spaces, no leading '-')")
    return text


def _parse_prefix(value: Any) -> str:
    text = str(value)
    if text and not re.match(r"^[A-Za-z0-9_.:-]+$", text):
        raise ValueError("letters, digits and _ . : - only (e.g. 'models-')")
    return text


def _parse_tier(value: Any) -> str:
    from modelpools.rules.ranking import TIER_NAMES  # only when the setting is given: keeps the no-op import cheap

    text = str(value).strip().upper()
    if text not in TIER_NAMES:
        raise ValueError("one of " + ", ".join(TIER_NAMES))
    return text


def _parse_text(value: Any) -> str:
    return str(value).strip()


# The three built-in roles (name, rule); a site may give them requirements, or add roles of its own.
BUILTIN_ROLES = (("bulkModel", "coding"), ("pageModel", "page"), ("smallTasksModel", "small"))
_ROLE_RULES = ("coding", "page", "small")
_ROLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RoleSpec = tuple[str, str, tuple[str, ...], int]  # (name, rule, requires, min_context)


def _parse_roles(value: Any) -> tuple[RoleSpec, ...]:
    """``[tool.modelpools.roles.<name>]`` tables (or MODELPOOLS_ROLES as a JSON object) -> role specs, built-in
    roles first in their order, then the site's roles by name. Keys: rule (coding, page, small; built-in roles keep
    theirs), requires (supported_parameters such as "tools"), min_context (tokens)."""
    if isinstance(value, str):
        import json  # only for MODELPOOLS_ROLES

        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ValueError(
                'a JSON object such as {"agentModel": {"rule": "coding", "requires": ["tools"]}}'
            ) from None
    if not isinstance(value, dict):
        raise ValueError("a table of roles: [tool.modelpools.roles.<name>] with rule, requires, min_context")
    builtin = dict(BUILTIN_ROLES)
    specs: dict[str, RoleSpec] = {name: (name, rule, (), 0) for name, rule in BUILTIN_ROLES}
    for name, table in value.items():
        if not isinstance(name, str) or not _ROLE_NAME.match(name):
            raise ValueError(f"role names made of letters, digits and _ (got {name!r})")
        if not isinstance(table, dict) or set(table) - {"rule", "requires", "min_context"}:
            raise ValueError(f"role {name}: a table with rule, requires and min_context only")
        rule = table.get("rule", builtin.get(name))
        if rule not in _ROLE_RULES or (name in builtin and rule != builtin[name]):
            allowed = builtin[name] if name in builtin else ", ".join(_ROLE_RULES)
            raise ValueError(f"role {name}: rule must be {allowed}")
        requires = table.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(p, str) and _PARAMETER.match(p) for p in requires):
            raise ValueError(f'role {name}: requires is a list of supported_parameters names such as "tools"')
        min_context = table.get("min_context", 0)
        if isinstance(min_context, bool) or not isinstance(min_context, int) or not 0 <= min_context <= 1 << 30:
            raise ValueError(f"role {name}: min_context is a whole number of tokens")
        specs[name] = (name, rule, tuple(sorted(set(requires))), min_context)
    ordered = [specs[name] for name, _rule in BUILTIN_ROLES]
    return tuple(ordered + [specs[k] for k in sorted(specs) if k not in builtin])


class _InCache:
    """A file in the cache directory, as an attribute of CacheFiles: ``files.pools_file``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, files: CacheFiles, owner: type | None = None) -> Path:
        return files.cache_path / self.name


class _FromFiles:
    """A CacheFiles path of the same name, as an attribute of Settings: ``settings.pools_file``."""

    __slots__ = ("name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, settings: Settings, owner: type | None = None) -> Path:
        path: Path = getattr(settings.files, self.name)
        return path


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
    large_cutoff: float = 0.15
    medium_cutoff: float = 0.50
    page_model_other_vendor: bool = True
    small_tasks_tier: str = "MEDIUM"
    expiry_warning_days: int = 7
    task_prefix: str = ""
    # consumer side: the chat client and the usage ledger (modelpools.consumer.client.ClientOptions reads these)
    openrouter_api_base: str = "https://openrouter.ai/api/v1"
    daily_request_cap: int = 50
    requests_per_minute: int = 20
    client_concurrency: int = 4
    client_timeout: int = 120
    max_reply_bytes: int = 4 * 1024 * 1024
    usage_retention_days: int = 30
    usage_window_days: int = 7
    roles: tuple[RoleSpec, ...] = tuple((name, rule, (), 0) for name, rule in BUILTIN_ROLES)
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

    # Files in the cache directory, one per stage output (settings.catalog_file is settings.files.catalog_file).
    catalog_file = _FromFiles()
    catalog_meta_file = _FromFiles()
    clone_dir = _FromFiles()
    benchmarks_meta_file = _FromFiles()
    benchmark_scores_file = _FromFiles()
    matches_file = _FromFiles()
    memory_file = _FromFiles()
    pools_file = _FromFiles()
    changes_file = _FromFiles()
    ledger_file = _FromFiles()
    usage_summary_file = _FromFiles()
    probe_results_file = _FromFiles()

    @property
    def overrides_path(self) -> Path | None:
        """The user's overrides file as an absolute path, or None."""
        return self.files.resolve(self.overrides_file)


class _CacheRoot(NamedTuple):
    project_dir: Path
    cache_path: Path
    task_prefix: str = ""


class CacheFiles(_CacheRoot):
    """Where a site's modelpools files live, and the prefix of its task names (hints say `doit <prefix>pools`)."""

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
    ledger_file = _InCache("usage.sqlite")
    usage_summary_file = _InCache("usage-summary.json")
    probe_results_file = _InCache("probe-results.json")

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
    "openrouter_url": _parse_url(("https", "http")),
    "benchmarks_repo": _parse_git_url,
    "benchmarks_ref": _parse_ref,
    "cache_dir": lambda v: Path(str(v).strip()) if str(v).strip() else _fail("a directory path"),
    "catalog_ttl": parse_duration,
    "benchmarks_ttl": parse_duration,
    "retry_after": parse_duration,
    "offline": _parse_bool,
    "strict": _parse_bool,
    "include_non_text": _parse_bool,
    "http_timeout": _parse_int(1, 600),
    "max_response_bytes": _parse_int(1024, 1 << 32),
    "clone_timeout": _parse_int(1, 86400),
    "max_checkout_bytes": _parse_int(1 << 20, 1 << 40),
    "fuzzy_threshold": _parse_int(0, 100),
    "overrides_file": _parse_text,
    "large_cutoff": _parse_fraction,
    "medium_cutoff": _parse_fraction,
    "page_model_other_vendor": _parse_bool,
    "small_tasks_tier": _parse_tier,
    "expiry_warning_days": _parse_int(0, 3650),
    "task_prefix": _parse_prefix,
    "openrouter_api_base": _parse_url(("https", "http")),
    "daily_request_cap": _parse_int(1, 1_000_000),
    "requests_per_minute": _parse_int(0, 100_000),
    "client_concurrency": _parse_int(1, 256),
    "client_timeout": _parse_int(1, 3600),
    "max_reply_bytes": _parse_int(1024, 1 << 30),
    "usage_retention_days": _parse_int(1, 3650),
    "usage_window_days": _parse_int(1, 365),
    "roles": _parse_roles,
    "probe": _parse_bool,
    "probe_daily_requests": _parse_int(1, 100_000),
    "probe_items_per_request": _parse_int(1, 50),
    "probe_ttl": parse_duration,
    "probe_anchors": _parse_int(0, 20),
}
SETTING_KEYS = tuple(_PARSERS)
# MODELPOOLS_* environment variables that are not settings (read elsewhere); any other unknown one stops the run.
OTHER_ENV_VARS: tuple[str, ...] = ()


def _fail(expected: str):
    raise ValueError(expected)


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
    table = document.get("tool", {}).get("modelpools", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.modelpools] must be a table")
    return table


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


def _parse(key: str, raw: Any, where: str) -> Any:
    try:
        return _PARSERS[key](raw)
    except ValueError as exc:
        from modelpools.io.log import printable, redact

        shown = printable(repr(redact(raw, raw) if isinstance(raw, str) else raw))  # never a password in a message
        raise SettingsError(f"{where}: invalid value {shown}; expected {exc}") from None
