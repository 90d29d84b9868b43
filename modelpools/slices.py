"""Per-stage settings slices (the Nikola ``kw``): each stage's own view of Settings, built by tasks.py once per run.

Settings and how they are loaded live in modelpools.settings; a slice only selects and fingerprints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from modelpools.rules.roles import RoleRule
from modelpools.settings import CacheFiles, Settings

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "StageSettings",
    "StageFiles",
    "CatalogSettings",
    "BenchmarkSettings",
    "MatchSettings",
    "MemorySettings",
    "RankingSettings",
    "PoolsSettings",
    "UsageSettings",
    "ProbeSettings",
    "ClientSettings",
    "ValidateSettings",
]


class StageSettings:
    """A stage's settings slice (the Nikola ``kw``): every setting the stage reads, and where its files are.

    tasks.py builds each slice once and passes the same object to doit's ``config_changed(slice.fingerprint())`` and
    to the stage, so a setting cannot change what a stage does without changing its fingerprint. ``files`` is left
    out of the fingerprint: the paths are the task's targets and file_deps, which doit already keys on.

    A slice is a NamedTuple of its fields (``_CatalogFields``) with this class mixed in: every doit run defines
    and builds all of them, and a NamedTuple costs a fraction of a frozen dataclass to define (the no-op budget;
    the figure: BENCHMARKS.md, section 16).
    """

    __slots__ = ()

    @classmethod
    def of(cls, settings: Settings) -> Self:
        """This slice of settings (fields of the same names; a nested slice, such as ``ranking``, of its own)."""
        return cls(*(_value(settings, name) for name in _field_names(cls)))

    def fingerprint(self) -> dict[str, Any]:
        """JSON-ready values for config_changed (stored in .doit.db: URLs without passwords)."""
        from modelpools.io.log import redact

        out: dict[str, Any] = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if name == "files":
                continue
            if isinstance(value, StageSettings):
                value = value.fingerprint()
            elif name.endswith(("_url", "_repo")):
                value = redact(value)
            out[name] = str(value) if isinstance(value, Path) else _lists(value)
        return out


class StageFiles(Protocol):
    """A slice that knows where its stage's files are (every slice but RankingSettings): what the tasks need."""

    @property
    def files(self) -> CacheFiles: ...


def _field_names(slice_class: type[StageSettings]) -> tuple[str, ...]:
    """A slice's field names: every slice is a NamedTuple of its fields with StageSettings mixed in."""
    names: tuple[str, ...] = slice_class._fields  # type: ignore[attr-defined]  # from the NamedTuple; declared on StageSettings it would clash with each slice's own
    return names


def _value(settings: Settings, name: str) -> Any:
    """The value of a slice's field ``name``: where the files are, a nested slice, or the setting of that name."""
    if name == "files":
        return settings.files
    nested = _NESTED.get(name)
    return nested.of(settings) if nested is not None else getattr(settings, name)


def _lists(value: Any) -> Any:
    """Tuples as lists, as JSON gives them back (the pools file and doit's stored values compare equal); a role rule
    in its settings form."""
    if isinstance(value, RoleRule):
        return value.to_json()
    return [_lists(v) for v in value] if isinstance(value, (tuple, list)) else value


class _CatalogFields(NamedTuple):
    files: CacheFiles
    openrouter_url: str
    include_non_text: bool
    max_response_bytes: int
    http_timeout: int
    catalog_ttl: int
    retry_after: int
    offline: bool
    strict: bool


class CatalogSettings(_CatalogFields, StageSettings):
    """What the catalog stage (and its TTL check) reads."""

    __slots__ = ()


class _BenchmarkFields(NamedTuple):
    files: CacheFiles
    benchmarks_repo: str
    benchmarks_ref: str
    max_checkout_bytes: int
    clone_timeout: int
    benchmarks_ttl: int
    retry_after: int
    offline: bool
    strict: bool


class BenchmarkSettings(_BenchmarkFields, StageSettings):
    """What the benchmarks stage (and its TTL check) reads."""

    __slots__ = ()


class _MatchFields(NamedTuple):
    files: CacheFiles
    fuzzy_threshold: int
    overrides_file: str


class MatchSettings(_MatchFields, StageSettings):
    """What the match stage reads."""

    __slots__ = ()

    @property
    def overrides_path(self) -> Path | None:
        return self.files.resolve(self.overrides_file)


class _MemoryFields(NamedTuple):
    files: CacheFiles


class MemorySettings(_MemoryFields, StageSettings):
    """What the memory stage reads: only where the files are (no setting changes what it remembers)."""

    __slots__ = ()


class _RankingFields(NamedTuple):
    large_cutoff: float = Settings.large_cutoff
    medium_cutoff: float = Settings.medium_cutoff
    page_model_other_vendor: bool = Settings.page_model_other_vendor
    small_tasks_tier: str = Settings.small_tasks_tier
    expiry_warning_days: int = Settings.expiry_warning_days  # deprecation: expiring within this many days
    roles: tuple[RoleRule, ...] = Settings.roles  # built-in ones first; recorded as [name, rule, requires, min_context]


class RankingSettings(_RankingFields, StageSettings):
    """The settings that shape the ranking; recorded in the pools file as ``inputs.settings``."""

    __slots__ = ()


class _PoolsFields(NamedTuple):
    files: CacheFiles
    ranking: RankingSettings
    expiry_warning_days: int
    overrides_file: str
    strict: bool
    probe: bool = False
    architectures_file: str = ""


class PoolsSettings(_PoolsFields, StageSettings):
    """What the pools stage reads."""

    __slots__ = ()

    @property
    def overrides_path(self) -> Path | None:
        return self.files.resolve(self.overrides_file)

    @property
    def architectures_path(self) -> Path | None:
        return self.files.resolve(self.architectures_file)


class _UsageFields(NamedTuple):
    files: CacheFiles
    usage_window_days: int


class UsageSettings(_UsageFields, StageSettings):
    """What the usage stage reads (the ledger and the summary are files.ledger_file and files.usage_summary_file)."""

    __slots__ = ()


class _ClientFields(NamedTuple):
    files: CacheFiles  # the ledger (files.ledger_file) and the pools file it routes by (files.pools_file)
    openrouter_api_base: str
    client_timeout: int
    max_reply_bytes: int
    client_concurrency: int
    requests_per_minute: int
    daily_request_cap: int
    usage_retention_days: int


class ClientSettings(_ClientFields, StageSettings):
    """What the chat client reads (consumer.client.ClientOptions.of maps it to the client's options): a site's
    Client, and the probe stage, whose requests go through the client with the site's settings and daily cap."""

    __slots__ = ()


class _ProbeFields(NamedTuple):
    files: CacheFiles
    probe_daily_requests: int
    probe_items_per_request: int
    probe_ttl: int
    probe_anchors: int
    client: ClientSettings


class ProbeSettings(_ProbeFields, StageSettings):
    """What the probe stage reads (its task exists only with ``probe = true``)."""

    __slots__ = ()

    def fingerprint(self) -> dict[str, Any]:
        """The client's settings beside the probe's own, as doit stored them before the client had its slice."""
        out = super().fingerprint()
        out.update(out.pop("client"))
        return out


class _ValidateFields(NamedTuple):
    files: CacheFiles
    expiry_warning_days: int


class ValidateSettings(_ValidateFields, StageSettings):
    """What the validate task reads."""

    __slots__ = ()


# The fields that hold a slice of their own, built by StageSettings.of.
_NESTED: dict[str, type[StageSettings]] = {"ranking": RankingSettings, "client": ClientSettings}
