"""Pure id normalisation: vendor map, routing suffixes, date tags, version/size/variant tokens, and the guard."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MAX_ID_LENGTH",
    "MODEL_ID",
    "NEUTRAL",
    "VARIANTS",
    "VENDOR_ALIASES",
    "Signature",
    "base_id",
    "clear_memos",
    "disagreement",
    "is_model_id",
    "normalize_id",
    "signature",
    "vendor_of",
]

# An OpenRouter id as the pools schema accepts it (<= 200 chars; every id in the 2025-2026 dumps has this shape):
# an optional "~" (a "latest" alias), vendor "/" model, an optional ":variant" suffix (":free", ":exacto", ...).
MODEL_ID = re.compile(r"^~?[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._~-]+(:[A-Za-z0-9._-]+)?\Z")
MAX_ID_LENGTH = 200

# OpenRouter vendor -> LLM-Stats organization directory (both snapshots use the right-hand names).
VENDOR_ALIASES = {
    "meta-llama": "meta",
    "mistralai": "mistral",
    "x-ai": "xai",
    "z-ai": "zai-org",
    "thudm": "zai-org",
    "zhipuai": "zai-org",
    "ibm-granite": "ibm",
    "ai21labs": "ai21",
    "moonshot": "moonshotai",
    "deepseek-ai": "deepseek",
    "alibaba-qwen": "qwen",
    "google-deepmind": "google",
}
NEUTRAL = {"instruct", "it", "chat", "hf", "latest", "v1", "fp8", "bf16"}  # words both sides may drop freely
# Variant words: both sides must carry the same set (synonyms map to one spelling).
VARIANTS = {
    "base": "base",
    "coder": "coder",
    "code": "coder",
    "codex": "codex",
    "distill": "distill",
    "vl": "vl",
    "vision": "vl",
    "omni": "omni",
    "multimodal": "multimodal",
    "mini": "mini",
    "nano": "nano",
    "micro": "micro",
    "tiny": "tiny",
    "small": "small",
    "medium": "medium",
    "large": "large",
    "flash": "flash",
    "lite": "lite",
    "pro": "pro",
    "max": "max",
    "turbo": "turbo",
    "plus": "plus",
    "air": "air",
    "ultra": "ultra",
    "super": "super",
    "fast": "fast",
    "heavy": "heavy",
    "zero": "zero",
    "preview": "preview",
    "exp": "exp",
    "experimental": "exp",
    "thinking": "reasoning",
    "think": "reasoning",
    "reasoning": "reasoning",
    "moe": "moe",
    "audio": "audio",
    "image": "image",
    "embed": "embed",
    "embedding": "embed",
    "guard": "guard",
    "safety": "safety",
    "ocr": "ocr",
    "math": "math",
    "prover": "prover",
    "next": "next",
    "litert": "litert",
    "deepresearch": "deepresearch",
    "oss": "oss",
}
_DATE_PATTERNS = [  # (regex on "-"-joined slug, kind); the first matching pattern at a position wins
    (re.compile(r"-(20\d\d)-?(\d\d)-?(\d\d)(?=-|$)"), "ymd"),
    (re.compile(r"-(\d\d)-(20\d\d)(?=-|$)"), "my"),
    (re.compile(r"-(\d\d)-(\d\d)(?=-|$)"), "md"),
    (re.compile(r"-(\d\d)(\d\d)(?=-|$)"), "4"),
]
_SIZE = re.compile(r"^(?:\d+(?:\.\d+)?[bmt]|a\d+(?:\.\d+)?b|e\d+b|\d+e)$")
_VERSION = re.compile(r"^([a-z]*?)(\d+(?:\.\d+)*[a-z]?)$")
_CONTEXT = re.compile(r"\d+k")
_ANY_DATE = re.compile(r"-\d\d-?\d\d")  # every _DATE_PATTERNS match contains this: ids without it skip the passes
_SPLIT_VERSION = re.compile(r"(?<![\d.])(\d)-(\d)(?=-|$)")
_JOIN_VERSION = re.compile(r"(?<=[a-z])-(\d{1,2}(?:\.\d+)?)(?=-|$)")
_DOT_ZERO = re.compile(r"(?<=\d)\.0(?=[a-z]|-|$)")
_FAMILY = re.compile(r"[a-z]*")


@dataclass(frozen=True, slots=True)
class Signature:
    """A normalized id split into the parts that must agree between two ids of the same model."""

    vendor: str
    slug: str  # normalized slug without dates
    family: str
    dates: tuple = ()  # ((year|None, month, day|None), ...)
    versions: frozenset = frozenset()
    sizes: frozenset = frozenset()
    variants: frozenset = frozenset()
    words: frozenset = frozenset()  # other alphabetic words

    @property
    def text(self) -> str:
        """Words, variants, versions and sizes as one space-separated string, for fuzzy scoring."""
        return " ".join(sorted(self.words) + sorted(self.variants) + sorted(self.versions) + sorted(self.sizes))

    @property
    def core(self) -> str:
        """The slug without neutral words: the key for exact matching."""
        return "-".join(t for t in self.slug.split("-") if t not in NEUTRAL)


def is_model_id(value: object) -> bool:
    """True for a string shaped like an OpenRouter id (MODEL_ID, at most MAX_ID_LENGTH characters)."""
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and MODEL_ID.match(value) is not None


def base_id(model_id: str) -> str:
    """The catalog id without its variant suffix: ``qwen/qwen3-coder:free`` -> ``qwen/qwen3-coder``."""
    return model_id.split(":", 1)[0]


def vendor_of(model_id: str) -> str:
    """The vendor part of an id as written (before "/", without a leading "~"); normalize_id maps it for matching."""
    return model_id.lstrip("~").split("/", 1)[0]


def normalize_id(model_id: str) -> tuple[str, str]:
    """(vendor, slug) of an id: lower case; '~' alias mark, any ':variant' suffix and '-latest' dropped; vendor mapped."""
    text = model_id.strip().lower().lstrip("~")
    text = text.split(":", 1)[0] if ":" in text else text
    vendor, _, slug = text.rpartition("/")
    slug = slug.replace("_", "-").replace(" ", "-")
    if slug.endswith("-latest"):
        slug = slug[: -len("-latest")]
    return VENDOR_ALIASES.get(vendor, vendor), slug


def _parse_dates(slug: str) -> tuple[str, tuple]:
    """Remove date tags from slug; return (rest, dates as (year, month, day) with None for unknown parts)."""
    dates: list = []
    if _ANY_DATE.search(slug) is None:
        return slug, ()
    for pattern, kind in _DATE_PATTERNS:

        def take(m: re.Match[str], kind: str = kind) -> str:  # called within this iteration only
            a, b = int(m.group(1)), int(m.group(2))
            if kind == "ymd" and 1 <= b <= 12 and 1 <= int(m.group(3)) <= 31:
                dates.append((a, b, int(m.group(3))))
            elif kind == "my" and 1 <= a <= 12:
                dates.append((b, a, None))
            elif kind == "md" and 1 <= a <= 12 and 1 <= b <= 31:
                dates.append((None, a, b))
            elif kind == "4" and 23 <= a <= 29 and 1 <= b <= 12:
                dates.append((2000 + a, b, None))  # Mistral/Qwen style YYMM: 2507
            elif kind == "4" and 1 <= a <= 12 and 1 <= b <= 31:
                dates.append((None, a, b))  # MMDD: 0528
            else:
                return m.group(0)
            return ""

        slug = pattern.sub(take, slug)
    return slug, tuple(sorted(dates, key=lambda d: tuple(-1 if x is None else x for x in d)))


def signature(model_id: str, extra_variants: Iterable[str] = ()) -> Signature:
    """The Signature of a catalog or benchmark id."""
    vendor, slug = normalize_id(model_id)
    slug, dates = _parse_dates(slug)
    # claude-3-5-sonnet -> claude-3.5-sonnet, then qwen-2.5 -> qwen2.5, gemma-3 -> gemma3 (replacement functions, not
    # r"\1.\2" templates: re parses a template on every call, which was a third of signature()'s time)
    slug = _SPLIT_VERSION.sub(_dotted, slug)
    slug = _JOIN_VERSION.sub(_joined, slug)
    if ".0" in slug:
        slug = _DOT_ZERO.sub("", slug)  # dolphin3.0 -> dolphin3, v1.0 -> v1
    tokens = [t for t in slug.split("-") if t]
    parts: tuple[set, set, set, set] = (set(), set(), set(extra_variants), set())  # versions, sizes, variants, words
    for token in tokens:
        for part, value in _classify(token):
            parts[part].add(value)
    family = _FAMILY.match(tokens[0])[0] if tokens else ""  # type: ignore[index]  # [a-z]* matches every string
    versions, sizes, variants, words = (_shared(frozenset(p)) if p else _EMPTY for p in parts)
    return Signature(vendor, "-".join(tokens), family, dates, versions, sizes, variants, words)


def _dotted(m: re.Match) -> str:
    return f"{m.group(1)}.{m.group(2)}"


def _joined(m: re.Match) -> str:
    return m.group(1)


_IN_VERSIONS, _IN_SIZES, _IN_VARIANTS, _IN_WORDS = range(4)  # indexes of the four parts
_SHARED: dict[frozenset, frozenset] = {}
_EMPTY: frozenset = frozenset()


def clear_memos() -> None:
    """Drop the token memos signature() fills (up to 65,536 entries each): they serve one matching run."""
    _SHARED.clear()
    _classify.cache_clear()


def _shared(parts: frozenset) -> frozenset:
    """One object per distinct token set: most ids share their few sets, and each set object takes 216 bytes."""
    if len(_SHARED) > 65536:
        _SHARED.clear()
    return _SHARED.setdefault(parts, parts)


@lru_cache(maxsize=65536)
def _classify(token: str) -> tuple[tuple[int, str], ...]:
    """Where one slug token goes: ((part, value), ...); tokens repeat across ids, so each is classified once."""
    if token in NEUTRAL:
        return ()
    if _CONTEXT.fullmatch(token):  # context variants (gpt-4-32k) are distinct models
        return ((_IN_VARIANTS, token),)
    if _SIZE.match(token):
        return ((_IN_SIZES, token),)
    if token in VARIANTS:
        return ((_IN_VARIANTS, VARIANTS[token]),)
    m = _VERSION.match(token)
    if m is None:
        return ((_IN_WORDS, token),)
    prefix, number = m.groups()
    version = (_IN_VERSIONS, prefix + number if len(prefix) == 1 else number)
    if len(prefix) <= 1:
        return (version,)
    return (version, (_IN_VARIANTS, VARIANTS[prefix]) if prefix in VARIANTS else (_IN_WORDS, prefix))


def _dates_agree(a: tuple, b: tuple) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b)) and a[1] == b[1]


def _release_tuple(release_date: str | None) -> tuple | None:
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)", release_date or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def disagreement(
    cat: Signature, bench: Signature, release_date: str | None = None, check_variants: bool = True
) -> str | None:
    """Why two signatures cannot be the same model (version, size, variant, date, family), or None."""
    if cat.versions != bench.versions:
        return f"version {'/'.join(sorted(cat.versions)) or '-'} vs {'/'.join(sorted(bench.versions)) or '-'}"
    if cat.sizes and bench.sizes and cat.sizes != bench.sizes:
        return f"size {'/'.join(sorted(cat.sizes))} vs {'/'.join(sorted(bench.sizes))}"
    if check_variants and cat.variants != bench.variants:
        return f"variant {'/'.join(sorted(cat.variants)) or '-'} vs {'/'.join(sorted(bench.variants)) or '-'}"
    if cat.dates:
        other = bench.dates or ((_release_tuple(release_date),) if _release_tuple(release_date) else ())
        if other and not any(_dates_agree(c, o) for c in cat.dates for o in other):
            return "date " + "/".join(_fmt_date(d) for d in cat.dates) + " vs " + "/".join(_fmt_date(d) for d in other)
        if not other:
            return "dated id vs a benchmark model without any date"
    if check_variants and cat.words != bench.words:
        return f"name words {' '.join(sorted(cat.words ^ bench.words))}"
    return None


def _fmt_date(d: tuple) -> str:
    return "-".join("??" if x is None else f"{x:02d}" for x in d)
