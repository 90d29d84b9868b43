"""What each kind of setting accepts: one parser per kind of value (duration, boolean, bounded whole number,
fraction, URL, git URL and ref, directory, task prefix, tier, roles), each turning TOML or environment text into its
value or raising ValueError that says what was expected (modelpools.settings adds where the value came from).

Imported on every doit run (through modelpools.settings): standard-library imports and modelpools.rules.roles (the
role records, standard library only) at the top, the rest inside the parsers that need them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelpools.rules.roles import BUILTIN_ROLES, RULES, SUPPORTED_PARAMETERS, TIER_NAMES, RoleRule

__all__ = [
    "parse_bool",
    "parse_directory",
    "parse_duration",
    "parse_fraction",
    "parse_ab_share",
    "parse_git_url",
    "parse_int",
    "parse_prefix",
    "parse_ref",
    "parse_roles",
    "parse_text",
    "parse_tier",
    "parse_url",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_DAYS = 3650  # a duration setting longer than ten years (or infinite, or NaN) is a mistake
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_duration(value: Any) -> int:
    """Seconds from an int or a string like ``90``, ``90s``, ``30m``, ``24h``, ``7d``."""
    if isinstance(value, bool):
        raise ValueError("a duration")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a non-negative duration")
        seconds: float = value  # not float(value): a whole number of 400 digits has no float
    else:
        match = _DURATION.match(str(value).lower())
        if not match:
            raise ValueError("a duration: seconds, or a number followed by s, m, h or d (e.g. 90s, 30m, 24h, 7d)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not seconds <= MAX_DURATION_DAYS * 86400:  # also false for NaN
        raise ValueError(f"a duration of at most {MAX_DURATION_DAYS} days")
    return int(seconds)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("a boolean: 1/0, true/false, yes/no, on/off")


def parse_int(low: int, high: int) -> Callable[[Any], int]:
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


def parse_fraction(value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError("a fraction between 0 and 1 (e.g. 0.15)") from None
    if not 0.0 < number <= 1.0:
        raise ValueError("a fraction between 0 and 1 (e.g. 0.15)")
    return number


def parse_ab_share(value: Any) -> float:
    """The share of a role's requests an A/B experiment sends to its runners-up: 0 (off) to 0.5."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError("a share from 0 (off) to 0.5 (e.g. 0.1)") from None
    if not 0.0 <= number <= 0.5:
        raise ValueError("a share from 0 (off) to 0.5 (e.g. 0.1)")
    return number


def parse_url(schemes: tuple[str, ...]) -> Callable[[Any], str]:
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


def parse_git_url(value: Any) -> str:
    text = str(value).strip()
    if text.startswith("-"):
        raise ValueError("a git URL (https://, ssh://, git://, file:// or user@host:path)")
    if "://" in text:
        return parse_url(("https", "ssh", "git", "file"))(text)
    if re.match(r"^[\w.-]+@[\w.-]+:", text):  # scp-like ssh syntax
        return text
    raise ValueError("a git URL (https://, ssh://, git://, file:// or user@host:path)")


def parse_ref(value: Any) -> str:
    text = str(value).strip()
    if text.startswith("-") or any(c in text for c in " \t\n~^:?*[\\") or ".." in text:
        raise ValueError("a branch, tag or commit name (no spaces, no leading '-')")
    return text


def parse_prefix(value: Any) -> str:
    text = str(value)
    if text and not re.match(r"^[A-Za-z0-9_.:-]+$", text):
        raise ValueError("letters, digits and _ . : - only (e.g. 'models-')")
    return text


def parse_tier(value: Any) -> str:
    text = str(value).strip().upper()
    if text not in TIER_NAMES:
        raise ValueError("one of " + ", ".join(TIER_NAMES))
    return text


def parse_text(value: Any) -> str:
    return str(value).strip()


def parse_directory(value: Any) -> Path:
    text = str(value).strip()
    if not text:
        raise ValueError("a directory path")
    return Path(text)


_ROLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _no_parameter(name: str) -> str:
    """The rest of the message for a ``requires`` entry that is no supported_parameters name: the closest one."""
    import difflib  # only on an error: keeps the no-op import cheap

    close = difflib.get_close_matches(name, SUPPORTED_PARAMETERS, n=1, cutoff=0.75)
    if close:
        return f"requires names from OpenRouter's supported_parameters; {name!r} is none (did you mean {close[0]}?)"
    return (
        f"requires names from OpenRouter's supported_parameters; {name!r} is none of {', '.join(SUPPORTED_PARAMETERS)}"
    )


def parse_roles(value: Any) -> tuple[RoleRule, ...]:
    """``[tool.modelpools.roles.<name>]`` tables (or MODELPOOLS_ROLES as a JSON object) -> role rules
    (modelpools.rules.roles), built-in roles first in their order, then the site's roles by name. Keys: rule (coding,
    page, small; built-in roles keep theirs), requires (OpenRouter supported_parameters names such as "tools": any other
    name stops the run with the closest known one), min_context (tokens), ab_share (the role's A/B share, 0 to 0.5,
    over the site's ``ab_share``: docs/experiments.md)."""
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
    builtin = {role.name: role for role in BUILTIN_ROLES}
    roles = dict(builtin)
    for name, table in value.items():
        if not isinstance(name, str) or not _ROLE_NAME.match(name):
            raise ValueError(f"role names made of letters, digits and _ (got {name!r})")
        if not isinstance(table, dict) or set(table) - {"rule", "requires", "min_context", "ab_share"}:
            raise ValueError(f"role {name}: a table with rule, requires, min_context and ab_share only")
        rule = table.get("rule", builtin[name].rule.name if name in builtin else None)
        if not isinstance(rule, str) or rule not in RULES or (name in builtin and rule != builtin[name].rule.name):
            allowed = builtin[name].rule.name if name in builtin else ", ".join(RULES)
            raise ValueError(f"role {name}: rule must be {allowed}")
        requires = table.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(p, str) and _PARAMETER.match(p) for p in requires):
            raise ValueError(f'role {name}: requires is a list of supported_parameters names such as "tools"')
        for parameter in requires:
            if parameter not in SUPPORTED_PARAMETERS:
                raise ValueError(f"role {name}: {_no_parameter(parameter)}")
        min_context = table.get("min_context", 0)
        if isinstance(min_context, bool) or not isinstance(min_context, int) or not 0 <= min_context <= 1 << 30:
            raise ValueError(f"role {name}: min_context is a whole number of tokens")
        try:
            ab_share = parse_ab_share(table["ab_share"]) if "ab_share" in table else None
        except ValueError as exc:
            raise ValueError(f"role {name}: ab_share is {exc}") from None
        roles[name] = RoleRule(name, RULES[rule], tuple(sorted(set(requires))), min_context, ab_share)
    return tuple([roles[role.name] for role in BUILTIN_ROLES] + [roles[k] for k in sorted(roles) if k not in builtin])
