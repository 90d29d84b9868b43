"""Ranking order and tier cut-offs (the role rules that choose the defaults: test_roles.py)."""

import random
from dataclasses import dataclass

import pytest

from modelpools.rules.ranking import assign_tiers, rank_models, tier_sizes


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


def test_tier_cut_keeps_the_rounded_cutoffs_behind_the_sizes():
    from modelpools.rules.ranking import tier_cut

    cut = tier_cut(2, 0.3, 0.4)  # ceil(2 x 0.4) = 1 would leave MEDIUM empty: raised to 2
    assert (cut.large_ceil, cut.medium_ceil, cut.large_end, cut.medium_end) == (1, 1, 1, 2)
    assert cut.sizes == tier_sizes(2, 0.3, 0.4) == (1, 1, 0)
