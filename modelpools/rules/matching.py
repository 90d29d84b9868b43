"""Match OpenRouter catalog ids to LLM-Stats benchmark models: overrides, exact ids, Hugging Face ids, guarded fuzzy."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.gcpause import gc_paused
from modelpools.rules.modelids import Signature, base_id, clear_memos, disagreement, signature

__all__ = ["BenchmarkModel", "CatalogModel", "Match", "match_models"]

BLOCK_LIMIT = 250  # fuzzy pools larger than this are split into (family, versions) blocks; real ones hold < 100


@dataclass(frozen=True, slots=True)
class BenchmarkModel:
    """One LLM-Stats model, as far as matching needs it."""

    id: str
    name: str = ""
    hugging_face_id: str | None = None
    param_count: int | None = None
    release_date: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BenchmarkModel:
        """From a benchmark-scores.json model entry."""
        return cls(
            str(d["id"]),
            str(d.get("name") or ""),
            d.get("huggingFaceId") or None,
            d.get("paramCount"),
            d.get("releaseDate") or None,
        )


@dataclass(frozen=True, slots=True)
class CatalogModel:
    """One OpenRouter catalog entry, as far as matching needs it."""

    id: str
    name: str = ""
    canonical_slug: str | None = None
    hugging_face_id: str | None = None
    created: int | None = None  # epoch seconds when OpenRouter listed it

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CatalogModel:
        """From an openrouter-models.json model entry."""
        created = d.get("created")
        return cls(
            str(d["id"]),
            str(d.get("name") or ""),
            d.get("canonical_slug") or None,
            d.get("hugging_face_id") or None,
            created if isinstance(created, int) else None,
        )


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome for one catalog id."""

    id: str
    benchmark_id: str | None
    method: str  # override | exact | huggingface | fuzzy | none
    confidence: float
    candidates: tuple = ()  # ((benchmark id, fuzzy score), ...) best first, at most three
    note: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Match:
        """From a model-matches.json entry whose shape is checked (records.MatchReport.load checks it)."""
        candidates = tuple((c["id"], c["score"]) for c in d.get("candidates") or ())
        return cls(d["id"], d.get("benchmarkId"), d["method"], d["confidence"], candidates, d.get("note"))

    def to_dict(self) -> dict:
        """The model-matches.json entry."""
        return {
            "id": self.id,
            "benchmarkId": self.benchmark_id,
            "method": self.method,
            "confidence": self.confidence,
            "candidates": [{"id": i, "score": s} for i, s in self.candidates],
            "note": self.note,
        }

    def to_reference_dict(self) -> dict:
        """The model-matches.json ``reference`` entry (a calibration point: no candidates, no note)."""
        return {"id": self.id, "benchmarkId": self.benchmark_id, "method": self.method, "confidence": self.confidence}


def _hf_key(hf_id: str | None) -> str | None:
    return hf_id.strip().strip("/").lower() if hf_id and "/" in hf_id.strip().strip("/") else None


def _exact(cat_sig: Signature, index: Mapping[tuple, list], sigs: Mapping[str, Signature]) -> BenchmarkModel | None:
    """The unique benchmark model whose normalized id equals cat_sig's, dates reconciled; None if none or ambiguous."""
    tiers = [
        [
            b
            for b in index.get((kind, cat_sig.vendor, key), ())
            if disagreement(cat_sig, sigs[b.id], b.release_date) is None
        ]
        for kind, key in (("slug", cat_sig.slug), ("core", cat_sig.core))
    ]
    if cat_sig.dates:  # a dated id matches a release of that date (by id, else by release date)
        picks = [[b for b in t if sigs[b.id].dates] for t in tiers]
        picks += [[b for b in t if b.release_date] for t in tiers]
    else:  # an undated id is the undated entry, else the only dated release
        picks = [[b for b in t if not sigs[b.id].dates] for t in tiers]
        picks.append(tiers[1] if len({sigs[b.id].dates for b in tiers[1]}) == 1 else [])
    for pick in picks:
        if pick:
            return pick[0] if len(pick) == 1 else None
    return None


@gc_paused
def match_models(
    catalog: Iterable[CatalogModel],
    benchmarks: Iterable[BenchmarkModel],
    overrides: Mapping[str, str | None],
    threshold: int = 70,
    warnings: list[str] | None = None,
) -> list[Match]:
    """Match every catalog model (pure): overrides, exact normalized id, Hugging Face id, then guarded fuzzy.

    An override that cannot apply (no such benchmark model, or a later release) is set aside with a warning line
    appended to ``warnings`` when given: the caller shows them (the match stage prints them).
    """
    notes = warnings if warnings is not None else []
    # The pool search is rapidfuzz's batch process.extract: thefuzz's process.extractBests runs the same search but
    # forces its full_process on every choice (and turns "2.5" into "2 5"), measured slower by
    # `python benchmarks/bench_matching.py --search` (see BENCHMARKS.md). Pairwise scores come from thefuzz.
    from rapidfuzz import fuzz as rapid
    from rapidfuzz import process
    from thefuzz import fuzz

    def search(query: str, choices: Mapping[str, str], cutoff: int) -> list:
        return process.extract(
            query, choices, scorer=rapid.token_set_ratio, processor=None, score_cutoff=cutoff, limit=10
        )

    def closeness(query: str, text: str) -> int:
        return fuzz.token_sort_ratio(query, text, full_process=False)

    bench = sorted({b.id: b for b in benchmarks}.values(), key=lambda b: b.id)
    by_id = {b.id: b for b in bench}
    sigs = {b.id: signature(b.id) for b in bench}
    by_vendor: dict[str, list] = defaultdict(list)
    by_family: dict[str, list] = defaultdict(list)
    by_hf: dict[str, list] = defaultdict(list)
    index: dict[tuple, list] = defaultdict(list)  # ("slug"|"core", vendor, key) -> models, for exact matching
    for b in bench:
        by_vendor[sigs[b.id].vendor].append(b)
        index[("slug", sigs[b.id].vendor, sigs[b.id].slug)].append(b)
        index[("core", sigs[b.id].vendor, sigs[b.id].core)].append(b)
        by_family[sigs[b.id].family].append(b)
        if hf_key := _hf_key(b.hugging_face_id):
            by_hf[hf_key].append(b)
    texts: dict[Any, dict] = {}  # fuzzy choices per vendor and per ("family", word); big pools also per block
    for key, pool in list(by_vendor.items()) + [(("family", k), v) for k, v in by_family.items()]:
        texts[key] = {b.id: sigs[b.id].text for b in pool}
        if len(pool) > BLOCK_LIMIT:
            for b in pool:
                texts.setdefault((key, sigs[b.id].family, sigs[b.id].versions), {})[b.id] = sigs[b.id].text
    tables = (sigs, by_id, by_vendor, index, by_family, by_hf, texts)
    out = []
    for cat in sorted({c.id: c for c in catalog}.values(), key=lambda c: c.id):
        extra = ("base",) if "(base)" in cat.name.lower() else ()
        csig = signature(cat.id, extra)
        hf_id = cat.hugging_face_id
        hf_sig = signature(hf_id) if hf_id and not csig.dates and _hf_key(hf_id) else None
        if hf_sig and hf_sig.dates:  # the HF repo often names the release: Devstral-Small-2505
            csig = dataclasses.replace(csig, dates=hf_sig.dates)
        for key in (cat.id, base_id(cat.id)):
            if key in overrides:
                target = overrides[key]
                later = _later_release(cat, csig, by_id[target]) if target in by_id else None
                if later:
                    notes.append(f"override {key} -> {target} ignored: {later}; matching by rules")
                    out.append(Match(cat.id, None, "none", 0.0, (), f"override rejected: {later}"))
                    break
                if target is None or target in by_id:
                    note = "pinned: no benchmark model" if target is None else None
                    out.append(Match(cat.id, target, "override", 1.0, (), note))
                    break
                notes.append(f"override {key} -> {target}: no such benchmark model; matching by rules")
        else:
            found = _match_one(cat, csig, tables, threshold, search, closeness)
            out.append(_veto_later_release(found, cat, csig, sigs))
    clear_memos()  # the token memos serve this run only (what they hold at 50k: BENCHMARKS.md, section 16)
    return out


def _later_release(cat: CatalogModel, csig: Signature, target: BenchmarkModel) -> str | None:
    """Why a dated catalog id (``-exp-03-25``, ``-0528``) cannot be a benchmark release dated over a month later
    (its numbers are a later checkpoint's), or None. A date without a year takes the listing's year."""
    import datetime

    dated = [d for d in csig.dates if d[1] is not None]
    if not dated or not target.release_date:
        return None
    try:
        released = datetime.date.fromisoformat(target.release_date[:10])
    except ValueError:
        return None
    year, month, day = dated[0]
    if year is None:
        if cat.created is None:
            return None
        year = datetime.datetime.fromtimestamp(cat.created, datetime.timezone.utc).year
    try:
        stamped = datetime.date(year, month, min(day or 28, 28))
    except ValueError:
        return None
    if (released - stamped).days <= 31:
        return None
    return f"{target.id} was released {released}, after the id's own date {stamped}"


def _veto_later_release(match: Match, cat: CatalogModel, csig: Signature, sigs: Mapping[str, Signature]) -> Match:
    """Undo a match of an undated id to a release dated over a month after OpenRouter listed the id."""
    if match.benchmark_id is None or cat.created is None or csig.dates:
        return match
    dated = [d for d in sigs[match.benchmark_id].dates if d[0] is not None]
    if not dated:
        return match
    import datetime

    listed = datetime.datetime.fromtimestamp(cat.created, datetime.timezone.utc).date()
    released = datetime.date(dated[0][0], dated[0][1], min(dated[0][2] or 28, 28))
    if (released - listed).days <= 31:
        return match
    note = f"rejected {match.benchmark_id}: released {released}, after the id was listed on {listed}"
    return Match(match.id, None, "none", 0.0, match.candidates, note)


def _match_one(cat: CatalogModel, csig: Signature, tables: tuple, threshold: int, search, closeness) -> Match:
    """Exact, then Hugging Face, then guarded fuzzy matching for one catalog model."""
    sigs, by_id, by_vendor, index, _by_family, by_hf, texts = tables
    vendor_pool = by_vendor.get(csig.vendor, [])
    hit = _exact(csig, index, sigs)
    if hit is None and cat.canonical_slug:  # same model under OpenRouter's canonical name, if it agrees with the id
        slug_sig = signature(cat.canonical_slug, csig.variants & {"base"})
        if (
            slug_sig.vendor == csig.vendor
            and slug_sig.versions == csig.versions
            and slug_sig.variants == csig.variants
            and csig.sizes <= slug_sig.sizes
        ):
            # slug dates are OpenRouter listing dates (some bogus: ...-20230311); keep the id's own dates
            hit = _exact(dataclasses.replace(slug_sig, dates=csig.dates), index, sigs)
    if hit is not None:
        return Match(cat.id, hit.id, "exact", 1.0)
    hf = _hf_key(cat.hugging_face_id)
    if hf and by_hf.get(hf):
        pool = by_hf[hf]
        strict = [b for b in pool if disagreement(csig, sigs[b.id], b.release_date) is None]
        loose = [b for b in pool if disagreement(csig, sigs[b.id], b.release_date, check_variants=False) is None]
        chosen = strict if len(strict) == 1 else (loose if len(pool) == 1 else [])
        if len(chosen) == 1:
            return Match(cat.id, chosen[0].id, "huggingface", 0.95)
    # Fuzzy: same vendor only; candidates for the maintainer also come from the same model family elsewhere.
    # A pool over BLOCK_LIMIT is scored only within the query's (family, versions) block: the only models that can
    # agree on the version (see disagreement), and what keeps 50k x 50k runs linear.
    query = csig.text
    pool_key = csig.vendor if vendor_pool else ("family", csig.family)
    choices = texts.get(pool_key)
    if choices is not None and len(choices) > BLOCK_LIMIT:
        choices = texts.get((pool_key, csig.family, csig.versions))
    found = search(query, choices, min(threshold, 50)) if choices and query else []
    ranked = sorted(((key, round(score)) for _text, score, key in found), key=lambda r: (-r[1], r[0]))
    candidates = tuple(ranked[:3])
    note: str | None = None
    accepted: list[tuple[str, int]] = []
    for bid, score in ranked:
        if score < threshold or not vendor_pool or (accepted and score < accepted[0][1]):
            break
        why = disagreement(csig, sigs[bid], by_id[bid].release_date)
        if why is None:
            accepted.append((bid, score))
        else:
            note = note or f"rejected {bid} ({score}): {why}"
    if len(accepted) > 1:  # a tie on the set score: the closest whole string wins, if one is strictly closest
        sort_scores = sorted((closeness(query, choices[bid]), bid) for bid, _ in accepted)
        if sort_scores[-1][0] > sort_scores[-2][0]:
            accepted = [a for a in accepted if a[0] == sort_scores[-1][1]]
    if len(accepted) == 1:
        return Match(cat.id, accepted[0][0], "fuzzy", round(0.9 * accepted[0][1] / 100, 3), candidates)
    if accepted:
        note = "ambiguous: " + ", ".join(bid for bid, _ in accepted) + " score the same; add an override"
    if not vendor_pool:
        note = f"no benchmark models from vendor {csig.vendor!r}"
    return Match(cat.id, None, "none", 0.0, candidates, note)
