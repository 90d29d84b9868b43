"""An installed (non-editable) modelpools finds its schema and data files, and importing the tasks stays cheap."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling", reason="hatchling (test extra) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("modelpools-*.whl")
    return path


def test_wheel_carries_schema_and_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "modelpools/schemas/model-pools.schema.json" in names
    for data_file in ("openrouter-snapshot.json", "curated-scores.json", "model-id-overrides.json"):
        assert f"modelpools/data/{data_file}" in names
    schema = json.loads(zipfile.ZipFile(wheel).read("modelpools/schemas/model-pools.schema.json"))
    assert schema == json.loads((ROOT / "schemas" / "model-pools.schema.json").read_text())


def test_installed_package_loads_its_schema_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import modelpools, modelpools.records as r; "
        "print(modelpools.__file__); print(r.PoolsSchema.installed().document['$schema'])"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    )
    module_file, schema_dialect = result.stdout.split()
    assert module_file.startswith(str(target))
    assert schema_dialect == "https://json-schema.org/draft/2020-12/schema"


def test_loading_the_tasks_does_not_import_heavy_libraries(tmp_path):
    code = (
        "import sys, modelpools.tasks as t; list(t.task_modelpools()); "
        "print(sorted(m for m in ('aiohttp', 'jsonschema', 'thefuzz', 'rapidfuzz') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True)
    assert result.stdout.strip() == "[]"
