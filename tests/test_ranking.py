"""Ranking order, tier cut-offs and the role rules that choose the defaults."""

import random
from dataclasses import dataclass

import pytest

from modelpools.rules.ranking import (
    Candidate,
    Defaults,
    RoleRule,
    assign_tiers,
    choose_roles,
    defaults_of,
    rank_models,
    tier_sizes,
)


@dataclass(frozen=True)
class M:
    id: str
    conservative: float | None  # the rank score: estimate - uncertainty
    context_length: int = 131072


# The reference system's seven free models (its README): 2 LARGE / 2 MEDIUM / 3 SMALL.
REFERENCE_SEVEN = [
    M("qwen/qwen3-coder:free", 89, 262144),
    M("nex-agi/deepseek-v3.1-nex-n1:free", 88, 131072),
    M("google/gemini-2.0-flash-exp:free", 85, 1048576),
    M("deepseek/deepseek-r1-0528:free", 84, 163840),
    M("mistralai/devstral-2512:free", 82, 262144),
    M("kwaipilot/kat-coder-pro:free", 78, 256000),
    M("nvidia/nemotron-3-nano-30b-a3b:free", 72, 256000),
]


def test_rank_orders_by_score_then_context_then_id_and_drops_unscored():
    models = [
        M("b/tie:free", 50, 1000),
        M("a/tie:free", 50, 1000),
        M("c/long:free", 50, 2000),
        M("d/best:free", 70, 10),
        M("e/none:free", None, 10**6),
    ]
    assert [m.id for m in rank_models(models)] == ["d/best:free", "c/long:free", "a/tie:free", "b/tie:free"]


def test_rank_is_independent_of_input_order():
    expected = [m.id for m in rank_models(REFERENCE_SEVEN)]
    for seed in range(5):
        shuffled = REFERENCE_SEVEN[:]
        random.Random(seed).shuffle(shuffled)
        assert [m.id for m in rank_models(shuffled)] == expected


@pytest.mark.parametrize(
    "n, sizes",
    [
        (0, (0, 0, 0)),  # nothing ranked: all tiers empty
        (1, (1, 0, 0)),  # LARGE only
        (2, (1, 1, 0)),  # ceil(0.3)=1 LARGE; ceil(1.0)=1 would leave MEDIUM empty, so MEDIUM takes one
        (3, (1, 1, 1)),
        (7, (2, 2, 3)),  # the reference system's split
        (20, (3, 7, 10)),  # 20 * 0.15 is exactly 3 (no float round-up to 4)
        (100, (15, 35, 50)),
    ],
)
def test_tier_sizes(n, sizes):
    assert tier_sizes(n, 0.15, 0.50) == sizes
    assert sum(sizes) == n


def test_assign_tiers_reference_seven():
    ids = [m.id for m in rank_models(REFERENCE_SEVEN)]
    tiers = assign_tiers(ids, 0.15, 0.50)
    assert list(tiers) == ["LARGE", "MEDIUM", "SMALL"]
    assert tiers["LARGE"] == ["qwen/qwen3-coder:free", "nex-agi/deepseek-v3.1-nex-n1:free"]
    assert tiers["MEDIUM"] == ["google/gemini-2.0-flash-exp:free", "deepseek/deepseek-r1-0528:free"]
    assert tiers["SMALL"] == ids[4:]


def test_custom_cutoffs():
    assert tier_sizes(10, 0.3, 0.6) == (3, 3, 4)
    assert tier_sizes(10, 0.1, 1.0) == (1, 9, 0)


def candidates(ids, **changes):
    """Candidates in rank order, scores 90, 80, ...; tiers from the default cut-offs; changes: id -> field dict."""
    tiers = assign_tiers(ids)
    tier_of = {mid: name for name, members in tiers.items() for mid in members}
    out = []
    for i, mid in enumerate(ids):
        fields = {"id": mid, "tier": tier_of[mid], "conservative": 90.0 - 10 * i, "page_conservative": 90.0 - 10 * i}
        fields.update(changes.get(mid, {}))
        out.append(Candidate(**fields))
    return out


def defaults(ranked, *args, **kwargs):
    return defaults_of(choose_roles(ranked, *args, **kwargs))


def test_defaults_match_the_reference_system_when_evidence_is_equal():
    ids = [m.id for m in REFERENCE_SEVEN]
    assert defaults(candidates(ids)) == Defaults(
        "qwen/qwen3-coder:free", "nex-agi/deepseek-v3.1-nex-n1:free", "google/gemini-2.0-flash-exp:free"
    )


def test_page_model_prefers_another_vendor_and_follows_the_page_score():
    ids = ["nvidia/a:free", "nvidia/b:free", "google/c:free", "qwen/d:free"]
    assert defaults(candidates(ids)).page_model == "google/c:free"
    assert defaults(candidates(ids), page_model_other_vendor=False).page_model == "nvidia/b:free"
    web = candidates(ids, **{"qwen/d:free": {"page_conservative": 95.0}})  # a strong web Elo
    assert defaults(web).page_model == "qwen/d:free"
    same_vendor = ["nvidia/a:free", "nvidia/b:free"]
    assert defaults(candidates(same_vendor)).page_model == "nvidia/b:free"


def test_small_tasks_is_the_cheapest_adequate_model():
    ids = ["nvidia/a:free", "nvidia/b:free", "google/c:free", "qwen/d:free", "x/e:free", "y/f:free", "z/g:free"]
    # LARGE a,b  MEDIUM c,d  SMALL e,f,g; page takes google/c (another vendor)
    assert defaults(candidates(ids)).small_tasks_model == "qwen/d:free"
    sized = candidates(
        ids,
        **{
            "qwen/d:free": {"active_parameters": 70.0},
            "google/c:free": {"active_parameters": 8.0},
            "x/e:free": {"active_parameters": 3.0},
        },
    )
    assert defaults(sized, page_model_other_vendor=False).small_tasks_model == "google/c:free"  # 8B beats 70B
    assert defaults(sized, small_tasks_tier="SMALL").small_tasks_model == "x/e:free"


def test_deprecated_and_thin_models_give_way_while_others_exist():
    ids = ["a/x:free", "b/y:free", "c/z:free", "d/w:free"]
    ranked = candidates(
        ids, **{"a/x:free": {"deprecated": "description says 'has been deprecated'"}, "b/y:free": {"thin": True}}
    )
    choices = choose_roles(ranked)
    # small tasks reuses the bulk model rather than take the thin one: evidence comes before "not used yet"
    assert defaults_of(choices) == Defaults("c/z:free", "d/w:free", "c/z:free")
    assert choices[0].runners_up == ("d/w:free", "a/x:free")  # still listed: ranked, just not chosen
    only_thin = candidates(["a/x:free", "b/y:free"], **{"a/x:free": {"thin": True}, "b/y:free": {"thin": True}})
    bulk = choose_roles(only_thin)[0]
    assert bulk.model == "a/x:free" and bulk.notes == ("no candidate meets the evidence minimum",)


def test_requirements_and_site_roles():
    ids = ["a/x:free", "b/y:free", "c/z:free"]
    ranked = candidates(
        ids,
        **{
            "b/y:free": {"supported_parameters": ("tools",), "context_length": 200000},
            "c/z:free": {"supported_parameters": ("tools",), "context_length": 32000},
        },
    )
    roles = (
        RoleRule("bulkModel", "coding", ("tools",)),
        RoleRule("pageModel", "page"),
        RoleRule("smallTasksModel", "small"),
        RoleRule("agentModel", "coding", ("tools",), 100000),
    )
    choices = {c.role.name: c for c in choose_roles(ranked, roles)}
    assert choices["bulkModel"].model == "b/y:free"
    assert choices["agentModel"].model == "b/y:free"  # the only one with tools and >= 100k context... already used
    assert "supports tools and context >= 100000" in choices["agentModel"].role.describe()
    nothing = choose_roles(candidates(ids), (RoleRule("bulkModel", "coding", ("tools",)),))[0]
    assert nothing.model == "a/x:free" and nothing.notes[0].startswith("no ranked model meets the requirements")


def test_defaults_for_tiny_rankings():
    assert defaults([]) == Defaults(None, None, None)
    assert defaults(candidates(["a/x:free"])) == Defaults("a/x:free", "a/x:free", "a/x:free")
    two = ["a/x:free", "b/y:free"]
    assert defaults(candidates(two)) == Defaults("a/x:free", "b/y:free", "b/y:free")  # b is the MEDIUM tier


def test_tier_cut_keeps_the_rounded_cutoffs_behind_the_sizes():
    from modelpools.rules.ranking import tier_cut

    cut = tier_cut(2, 0.3, 0.4)  # ceil(2 x 0.4) = 1 would leave MEDIUM empty: raised to 2
    assert (cut.large_ceil, cut.medium_ceil, cut.large_end, cut.medium_end) == (1, 1, 1, 2)
    assert cut.sizes == tier_sizes(2, 0.3, 0.4) == (1, 1, 0)
