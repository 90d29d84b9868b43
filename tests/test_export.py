"""``modelpools export``: the pools (tests/data/pools-sample.json) as a LiteLLM config, loaded and routed by the real
LiteLLM Router when it is installed, and as OpenRouter's own ``models`` fallback lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from chatserver import no_endpoints, ok

from modelpools.cli import main
from modelpools.consumer.export import (
    LITELLM_FILE,
    OPENROUTER_FILE,
    litellm_config,
    litellm_yaml,
    openrouter_fallbacks,
    write_exports,
)
from modelpools.consumer.pools_view import load_pools

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
POOLS = load_pools(SAMPLE)
PAGE = POOLS.fallback_chain("page")


def test_each_role_is_a_model_name_with_its_chain_as_fallbacks():
    config = litellm_config(POOLS)
    names = {entry["model_name"]: entry["litellm_params"] for entry in config["model_list"]}
    assert names["pageModel"] == {"model": f"openrouter/{PAGE[0]}", "api_key": "os.environ/OPENROUTER_API_KEY"}
    assert names["auto"]["model"] == f"openrouter/{POOLS.bulk_model}"
    fallbacks = {name: chain for entry in config["router_settings"]["fallbacks"] for name, chain in entry.items()}
    assert fallbacks["pageModel"] == list(PAGE[1:])
    for chain in fallbacks.values():  # every fallback target is itself a model_name of the list
        assert set(chain) <= set(names)
    assert yaml.safe_load(litellm_yaml(config)) == config  # the YAML says exactly the data


def test_openrouter_lists_are_free_ids_at_most_three_per_role():
    roles = openrouter_fallbacks(POOLS)["roles"]
    assert roles["pageModel"] == {"models": list(PAGE[:3])}
    assert set(roles) == {"auto", "bulkModel", "pageModel", "smallTasksModel"}
    assert all(m.endswith(":free") for role in roles.values() for m in role["models"])


def test_the_command_writes_both_files_next_to_the_pools_file_the_same_each_time(tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "model-pools.json").write_bytes(SAMPLE.read_bytes())
    assert main(["--project-dir", str(tmp_path), "--cache-dir", str(cache), "export"]) == 0
    first = {name: (cache / name).read_bytes() for name in (LITELLM_FILE, OPENROUTER_FILE)}
    assert capsys.readouterr().out.split() == [str(cache / LITELLM_FILE), str(cache / OPENROUTER_FILE)]
    write_exports(load_pools(cache / "model-pools.json"), cache)
    assert {name: (cache / name).read_bytes() for name in first} == first
    assert b"sk-" not in first[LITELLM_FILE]  # no key is written: LiteLLM reads it from the environment
    assert json.loads(first[OPENROUTER_FILE])["roles"]["pageModel"]["models"][0] == PAGE[0]


def test_the_real_litellm_router_loads_the_config_and_falls_back_down_a_chain(chat_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of LiteLLM's price list
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-test-litellm")
    litellm = pytest.importorskip("litellm", reason="LiteLLM is an optional extra: pip install -e '.[litellm]'")
    write_exports(POOLS, tmp_path)
    config = yaml.safe_load((tmp_path / LITELLM_FILE).read_text())
    router = litellm.Router(model_list=config["model_list"], **config["router_settings"])  # the file, unchanged
    assert set(router.get_model_names()) >= {"auto", "pageModel", *PAGE}
    # the same config routed for real: every deployment pointed at the loopback server instead of OpenRouter
    for entry in config["model_list"]:
        entry["litellm_params"]["api_base"] = chat_server.base_url
    chat_server.always(PAGE[0], no_endpoints(PAGE[0]))
    chat_server.always(PAGE[1], ok("from the second model"))
    router = litellm.Router(model_list=config["model_list"], **config["router_settings"], num_retries=0)
    reply = router.completion(model="pageModel", messages=[{"role": "user", "content": "Write the home page."}])
    assert reply.choices[0].message.content == "from the second model"
    assert chat_server.models_asked() == [PAGE[0], PAGE[1]]
    assert chat_server.authorization == {"Bearer sk-or-v1-test-litellm"}
