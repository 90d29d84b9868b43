"""The role rules that choose the defaults: gates, then each rule's order (rules.roles)."""

import json
from pathlib import Path

from modelpools.rules.ranking import assign_tiers
from modelpools.rules.rolechoice import Candidate, choose_roles, chosen_defaults
from modelpools.rules.roles import (
    BUILTIN_ROLES,
    CODING,
    PAGE,
    RULES,
    SMALL,
    SUPPORTED_PARAMETERS,
    RoleRule,
)


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
    return chosen_defaults(choose_roles(ranked, *args, **kwargs))


def named(bulk, page, small):
    return {"bulkModel": bulk, "pageModel": page, "smallTasksModel": small}


def test_defaults_match_the_reference_system_when_evidence_is_equal():
    ids = [  # the reference system's seven free models (its README), in rank order: 2 LARGE / 2 MEDIUM / 3 SMALL
        "qwen/qwen3-coder:free",
        "nex-agi/deepseek-v3.1-nex-n1:free",
        "google/gemini-2.0-flash-exp:free",
        "deepseek/deepseek-r1-0528:free",
        "mistralai/devstral-2512:free",
        "kwaipilot/kat-coder-pro:free",
        "nvidia/nemotron-3-nano-30b-a3b:free",
    ]
    assert defaults(candidates(ids)) == named(
        "qwen/qwen3-coder:free", "nex-agi/deepseek-v3.1-nex-n1:free", "google/gemini-2.0-flash-exp:free"
    )


def test_page_model_prefers_another_vendor_and_follows_the_page_score():
    ids = ["nvidia/a:free", "nvidia/b:free", "google/c:free", "qwen/d:free"]
    assert defaults(candidates(ids))["pageModel"] == "google/c:free"
    assert defaults(candidates(ids), page_model_other_vendor=False)["pageModel"] == "nvidia/b:free"
    web = candidates(ids, **{"qwen/d:free": {"page_conservative": 95.0}})  # a strong web Elo
    assert defaults(web)["pageModel"] == "qwen/d:free"
    same_vendor = ["nvidia/a:free", "nvidia/b:free"]
    assert defaults(candidates(same_vendor))["pageModel"] == "nvidia/b:free"


def test_small_tasks_is_the_cheapest_adequate_model():
    ids = ["nvidia/a:free", "nvidia/b:free", "google/c:free", "qwen/d:free", "x/e:free", "y/f:free", "z/g:free"]
    # LARGE a,b  MEDIUM c,d  SMALL e,f,g; page takes google/c (another vendor)
    assert defaults(candidates(ids))["smallTasksModel"] == "qwen/d:free"
    sized = candidates(
        ids,
        **{
            "qwen/d:free": {"active_parameters": 70.0},
            "google/c:free": {"active_parameters": 8.0},
            "x/e:free": {"active_parameters": 3.0},
        },
    )
    assert defaults(sized, page_model_other_vendor=False)["smallTasksModel"] == "google/c:free"  # 8B beats 70B
    assert defaults(sized, small_tasks_tier="SMALL")["smallTasksModel"] == "x/e:free"


def test_deprecated_and_thin_models_give_way_while_others_exist():
    ids = ["a/x:free", "b/y:free", "c/z:free", "d/w:free"]
    ranked = candidates(
        ids, **{"a/x:free": {"deprecated": "description says 'has been deprecated'"}, "b/y:free": {"thin": True}}
    )
    choices = choose_roles(ranked)
    # small tasks reuses the bulk model rather than take the thin one: evidence comes before "not used yet"
    assert chosen_defaults(choices) == named("c/z:free", "d/w:free", "c/z:free")
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
        RoleRule("bulkModel", CODING, ("tools",)),
        RoleRule("pageModel", PAGE),
        RoleRule("smallTasksModel", SMALL),
        RoleRule("agentModel", CODING, ("tools",), 100000),
    )
    choices = {c.role.name: c for c in choose_roles(ranked, roles)}
    assert choices["bulkModel"].model == "b/y:free"
    assert choices["agentModel"].model == "b/y:free"  # the only one with tools and >= 100k context... already used
    assert "supports tools and context >= 100000" in choices["agentModel"].role.describe()
    nothing = choose_roles(candidates(ids), (RoleRule("bulkModel", CODING, ("tools",)),))[0]
    assert nothing.model == "a/x:free" and nothing.notes[0].startswith("no ranked model meets the requirements")


def test_defaults_for_tiny_rankings():
    assert defaults([]) == named(None, None, None)
    assert defaults(candidates(["a/x:free"])) == named("a/x:free", "a/x:free", "a/x:free")
    two = ["a/x:free", "b/y:free"]
    assert defaults(candidates(two)) == named("a/x:free", "b/y:free", "b/y:free")  # b is the MEDIUM tier


def test_the_built_in_roles_and_their_rules():
    assert [(r.name, r.rule.name, r.rule.measure) for r in BUILTIN_ROLES] == [
        ("bulkModel", "coding", "coding estimate"),
        ("pageModel", "page", "website Elo (page scale)"),
        ("smallTasksModel", "small", "active parameters"),
    ]
    assert RoleRule("agentModel", CODING, ("tools",), 100000).to_json() == ["agentModel", "coding", ["tools"], 100000]


def test_the_schema_allows_exactly_the_rules():
    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "model-pools.schema.json").read_text())
    role = next(d for d in schema["$defs"].values() if "ruleText" in d.get("properties", {}))
    assert role["properties"]["rule"]["enum"] == list(RULES)


def parameters_in(folder):
    dumps = sorted(folder.glob("**/models-*.json"))
    return len(dumps), {
        p for d in dumps for m in json.loads(d.read_text())["data"] for p in m.get("supported_parameters") or ()
    }


def test_every_parameter_in_the_catalog_excerpts_is_known(test_data):
    count, seen = parameters_in(test_data / "openrouter")
    assert count >= 9 and {"tools", "tool_choice", "response_format"} <= seen <= set(SUPPORTED_PARAMETERS)


def test_the_known_parameters_are_those_of_the_real_catalogs(shared_data):
    """SUPPORTED_PARAMETERS is the union of supported_parameters over every real /v1/models dump kept."""
    count, seen = parameters_in(shared_data / "openrouter")
    assert count >= 9 and seen == set(SUPPORTED_PARAMETERS)


def test_each_choice_records_what_every_gate_did():
    only_thin = candidates(["a/x:free", "b/y:free"], **{"a/x:free": {"thin": True}, "b/y:free": {"thin": True}})
    bulk, page, small = choose_roles(only_thin, page_model_other_vendor=False)
    results = {g.gate: g.result for g in bulk.gates}
    assert results == {
        "requirements": "not applied",  # the role requires nothing
        "available": "passed",
        "notDemoted": "passed",
        "notDeprecated": "passed",
        "measured": "passed",
        "evidence": "given up",  # no candidate has the minimum: the note says so too
        "unused": "passed",
    }
    assert bulk.notes == ("no candidate meets the evidence minimum",)
    assert {g.gate: g.result for g in page.gates}["otherVendor"] == "not applied"
    assert "another vendor" not in page.rule_text and "another vendor than bulkModel" in BUILTIN_ROLES[1].describe()
    assert {g.gate: (g.result, g.set_aside) for g in small.gates}["unused"] == ("given up", ())
    assert small.rule_text.endswith(
        "not another role's default, active parameters known (architecture table, id tag, description or a dense "
        "size), in the small-tasks tier (MEDIUM) or above"
    )


def test_a_provisional_model_is_never_a_default_while_a_measured_one_is_eligible():
    """Provisional models (no measurement, the listing's prior) ranked first, with the best scores and the fewest
    parameters, still give way to the measured ones, even thin ones; only when no measured model is left do they
    fill a role, with a note."""
    ids = ["p/a:free", "p/b:free", "p/c:free", "m/d:free", "n/e:free", "o/f:free", "q/g:free"]
    provisional = {"provisional": True, "thin": True, "active_parameters": 1.0}
    ranked = candidates(ids, **{mid: provisional for mid in ids[:3]}, **{"q/g:free": {"thin": True}})
    # the small-tasks tier is LARGE here: it holds only provisional models (1B active), and they still give way
    chosen = choose_roles(ranked, page_model_other_vendor=False, small_tasks_tier="LARGE")
    assert [c.model for c in chosen] == ["m/d:free", "n/e:free", "o/f:free"]
    assert all({g.gate: g.result for g in c.gates}["measured"] == "passed" for c in chosen)
    assert chosen[0].gates[4].set_aside == ("p/a:free", "p/b:free")  # what the gate passed over, best first
    only = candidates(["p/a:free", "p/b:free"], **{mid: provisional for mid in ["p/a:free", "p/b:free"]})
    bulk = choose_roles(only)[0]
    assert bulk.model == "p/a:free" and "no candidate is measured; bulkModel takes a provisional estimate" in bulk.notes


def test_role_rules_cross_to_another_process_as_the_same_records():
    import pickle

    role = RoleRule("agentModel", CODING, ("tools",), 100000)
    assert pickle.loads(pickle.dumps(role)) == role and pickle.loads(pickle.dumps(role)).rule is CODING
