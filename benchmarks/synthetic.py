"""Deterministic synthetic OpenRouter catalogs and LLM-Stats benchmark sets with realistic ids, for scale runs.

``synthetic_inputs(n, seed)`` gives (catalog body, benchmark-scores models): n upstream catalog entries shaped like the
2026-08 dump (90 % free, 40 % with an Artificial Analysis coding index) and n benchmark models shaped like
benchmark-scores.json entries. Vendors follow a Zipf law with a long tail that grows with n (as on Hugging Face:
a few big labs, many small ones); each vendor has real-looking families (more of them the more models it has), and
ids combine family, version, size, variant and date tags in the forms the real dumps use. About 60 % of the catalog
entries are renamed copies of benchmark models (vendor alias, date format, dropped ``-instruct``, ``:free``), so
every matching path (exact, Hugging Face, fuzzy, none) gets exercised.
"""

from __future__ import annotations

import random
from typing import Any

# (OpenRouter vendor, LLM-Stats organization, families)
KNOWN_VENDORS = [
    ("qwen", "qwen", ["qwen", "qwq", "qwen-coder"]),
    ("meta-llama", "meta", ["llama", "codellama"]),
    ("mistralai", "mistral", ["mistral", "mixtral", "devstral", "codestral", "magistral", "ministral"]),
    ("google", "google", ["gemma", "gemini", "codegemma"]),
    ("deepseek", "deepseek", ["deepseek", "deepseek-coder", "deepseek-r"]),
    ("microsoft", "microsoft", ["phi", "wizardlm"]),
    ("nvidia", "nvidia", ["nemotron", "llama-nemotron"]),
    ("openai", "openai", ["gpt", "gpt-oss", "o"]),
    ("x-ai", "xai", ["grok"]),
    ("z-ai", "zai-org", ["glm"]),
    ("moonshotai", "moonshotai", ["kimi"]),
    ("cohere", "cohere", ["command", "aya"]),
    ("ibm-granite", "ibm", ["granite"]),
    ("ai21labs", "ai21", ["jamba"]),
    ("anthropic", "anthropic", ["claude"]),
    ("minimax", "minimax", ["minimax"]),
    ("baidu", "baidu", ["ernie"]),
    ("tencent", "tencent", ["hunyuan"]),
    ("thudm", "zai-org", ["chatglm"]),
    ("allenai", "allenai", ["olmo", "tulu"]),
]
SYLLABLES = ["ka", "lo", "mi", "ra", "zen", "tor", "vi", "nex", "sol", "da", "quo", "bel", "fi", "gra", "hux", "ul"]
SIZES = [
    "0.5b",
    "1.5b",
    "3b",
    "7b",
    "8b",
    "9b",
    "12b",
    "14b",
    "24b",
    "27b",
    "32b",
    "70b",
    "72b",
    "123b",
    "405b",
    "30b-a3b",
    "235b-a22b",
    "480b-a35b",
    "8x7b",
    "8x22b",
]
VARIANTS = ["", "", "", "instruct", "instruct", "chat", "coder", "mini", "flash", "vl", "base", "pro", "air", "turbo"]


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _vendors(n: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """Known labs first, then a long tail that grows with n."""
    tail = [(f"{_word(rng, 2)}-{i}", None, [_word(rng, 2)]) for i in range(n // 40)]
    return KNOWN_VENDORS + [(v, v, fams) for v, _none, fams in tail]


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28)


def _bench_id(rng: random.Random, family: str, with_date: bool) -> tuple[str, tuple[int, int, int] | None]:
    """An LLM-Stats model directory name: family-version[-size][-variant][-date]."""
    version = f"{rng.randint(1, 5)}" + (f".{rng.randint(0, 9)}" if rng.random() < 0.6 else "")
    parts = [f"{family}{version}" if rng.random() < 0.5 else f"{family}-{version}"]
    if rng.random() < 0.8:
        parts.append(rng.choice(SIZES))
    variant = rng.choice(VARIANTS)
    if variant:
        parts.append(variant)
    date = _date(rng) if with_date else None
    if date:
        y, m, d = date
        parts.append(rng.choice([f"{m:02d}{d:02d}", f"{y % 100:02d}{m:02d}", f"{y}{m:02d}{d:02d}"]))
    return "-".join(parts), date


def _catalog_slug(rng: random.Random, slug: str) -> str:
    """How OpenRouter tends to rename an LLM-Stats model: drop -instruct, dotted date, casing of the family."""
    out = slug
    if rng.random() < 0.4:
        out = out.replace("-instruct", "")
    parts = out.split("-")
    if rng.random() < 0.15 and len(parts) > 2:  # size left out, or variant moved before the size
        sized = [p for p in parts[1:] if p[:1].isdigit() and p.endswith("b")]
        out = (
            "-".join(p for p in parts if p not in sized[:1])
            if rng.random() < 0.5
            else "-".join([parts[0]] + parts[2:] + parts[1:2])
        )
    if rng.random() < 0.3 and "-" in out:
        head, _, tail = out.rpartition("-")
        if tail.isdigit() and len(tail) == 4:
            out = f"{head}-{tail[:2]}-{tail[2:]}"
    return out


def _epoch(date: tuple[int, int, int] | None, rng: random.Random) -> int:
    y, m, d = date or _date(rng)
    return int((y - 1970) * 365.25 * 86400 + (m - 1) * 30.4 * 86400 + (d - 1) * 86400)


def synthetic_inputs(n: int, seed: int = 20260818) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(upstream catalog body with n entries, n benchmark-scores.json model entries); same (n, seed), same output."""
    rng = random.Random(f"{seed}:{n}")
    vendors = _vendors(n, rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vendors))]  # Zipf, s = 1
    counts = [0] * len(vendors)
    for v in rng.choices(range(len(vendors)), weights, k=n):
        counts[v] += 1
    families = [
        fams + [f"{fams[0]}-{_word(rng, 1)}" for _ in range(counts[v] // 40)]
        for v, (_vendor, _org, fams) in enumerate(vendors)
    ]
    bench: dict[str, dict[str, Any]] = {}
    for v, (_vendor, org, _fams) in enumerate(vendors):
        org = org or vendors[v][0]
        made = 0
        while made < counts[v]:
            slug, date = _bench_id(rng, rng.choice(families[v]), rng.random() < 0.35)
            model_id = f"{org}/{slug}"
            if model_id in bench:
                continue
            hf = f"{org.title()}/{slug}" if rng.random() < 0.5 else None
            coverage = round(rng.random(), 3)
            bench[model_id] = {
                "id": model_id,
                "org": org,
                "slug": slug,
                "name": slug.replace("-", " ").title(),
                "releaseDate": "{:04d}-{:02d}-{:02d}".format(*date) if date else None,
                "paramCount": rng.choice([None, 7_000_000_000, 32_000_000_000, 70_000_000_000]),
                "contextSize": rng.choice([None, 32768, 131072]),
                "huggingFaceId": hf,
                "weightsUrl": f"https://huggingface.co/{hf}" if hf else None,
                "codingScore": round(rng.uniform(5, 90), 2) if rng.random() < 0.8 else None,
                "coverage": coverage,
                "components": [],
            }
            made += 1
    bench_list = [bench[k] for k in sorted(bench)]
    org_to_vendor = {org: vendor for vendor, org, _f in KNOWN_VENDORS}
    entries: dict[str, dict[str, Any]] = {}
    while len(entries) < n:
        if rng.random() < 0.6:  # a renamed copy of a benchmark model
            source = rng.choice(bench_list)
            vendor = org_to_vendor.get(source["org"], source["org"])
            slug = _catalog_slug(rng, source["slug"])
            hf = source["huggingFaceId"] if rng.random() < 0.7 else None
        else:  # a model LLM-Stats does not have
            v = rng.choices(range(len(vendors)), weights)[0]
            vendor = vendors[v][0]
            slug, _date_tag = _bench_id(rng, rng.choice(families[v]), rng.random() < 0.2)
            hf = None
        free = rng.random() < 0.9
        model_id = f"{vendor}/{slug}" + (":free" if free else "")
        if model_id in entries:
            continue
        context = rng.choice([8192, 32768, 65536, 131072, 262144, 1048576])
        entry: dict[str, Any] = {
            "id": model_id,
            "canonical_slug": f"{vendor}/{slug}",
            "hugging_face_id": hf or "",
            "name": f"{vendor.title()}: {slug.replace('-', ' ').title()}" + (" (free)" if free else ""),
            "created": _epoch(None, rng),
            "description": "A synthetic model for scale runs.",
            "context_length": context,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tokenizer": "Other",
                "instruct_type": None,
            },
            "pricing": (
                {"prompt": "0", "completion": "0"} if free else {"prompt": "0.0000003", "completion": "0.0000012"}
            ),
            "top_provider": {"context_length": context, "max_completion_tokens": None, "is_moderated": False},
            "per_request_limits": None,
            "supported_parameters": ["max_tokens", "temperature", "tools", "top_p"],
            "expiration_date": None,
        }
        if rng.random() < 0.4:
            entry["benchmarks"] = {
                "artificial_analysis": {
                    "intelligence_index": round(rng.uniform(5, 70), 1),
                    "coding_index": round(rng.uniform(5, 70), 1),
                }
            }
        entries[model_id] = entry
    order = list(entries.values())
    rng.shuffle(order)
    return {"data": order}, bench_list
