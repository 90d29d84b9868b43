"""The maintainer command ``snapshot``: the bundled snapshot is reproducible from the real dump, and URLs work too."""

from __future__ import annotations

import json

from support import Reply, colon_free_ids, dump

from modelpools.maintainer.snapshot import main as snapshot_main
from modelpools.resources import CATALOG_SNAPSHOT
from modelpools.rules.freemodels import select_free_models, select_reference_scores


def test_bundled_snapshot_is_our_own_selection_of_the_2026_08_18_dump(tmp_path, test_data):
    raw = dump(test_data, "models-2026-08-18.json")
    snapshot = json.loads(CATALOG_SNAPSHOT.read_bytes())

    assert snapshot["capturedAt"] == "2026-08-18" and snapshot["source"].startswith("https://openrouter.ai/")
    assert snapshot["models"] == select_free_models(json.loads(raw))
    assert {m["id"] for m in snapshot["models"]} == colon_free_ids(raw)
    assert snapshot["referenceScores"] == select_reference_scores(json.loads(raw))
    assert len(snapshot["referenceScores"]) == 166

    out = tmp_path / "snapshot.json"
    source = snapshot["source"]
    path = str(test_data / "openrouter" / "models-2026-08-18.json")
    assert snapshot_main(["--from", path, "--source", source, "--output", str(out)]) == 0
    assert out.read_bytes() == CATALOG_SNAPSHOT.read_bytes()


def test_snapshot_command_fetches_from_a_url(tmp_path, http_server, test_data, capsys):
    http_server.add(Reply(body=dump(test_data, "models-2026-04-30.json")))
    out = tmp_path / "snap.json"

    code = snapshot_main(["--from", f"{http_server.url}/models", "--captured", "2026-04-30", "--output", str(out)])

    assert code == 0
    doc = json.loads(out.read_bytes())
    assert doc["capturedAt"] == "2026-04-30" and doc["source"] == f"{http_server.url}/models"
    assert "snapshot written" in capsys.readouterr().out
