"""Example site build: modelpools' tasks plus a ``site`` task that renders the pools as _site/index.html.

Run ``doit site`` here (MODELPOOLS_OFFLINE=1 builds from the bundled catalog snapshot and curated scores).
With OPENROUTER_API_KEY set, ``doit intro`` writes page text with the pools' models (generate.py).
"""

import asyncio
import os
import sys
from pathlib import Path

from modelpools.settings import load_settings
from modelpools.tasks import *  # noqa: F403 - catalog, benchmarks, match, pools, validate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from render import write_site  # noqa: E402

SETTINGS = load_settings(HERE)
SITE_INDEX = "_site/index.html"
# doit links tasks by path as written: name the pools file relative to this directory, as modelpools does.
POOLS_FILE = str(SETTINGS.files.pools_file.relative_to(HERE))


def build_site() -> None:
    """doit action: render the pools file into _site/index.html (rewritten only when the page changes)."""
    written = write_site(HERE / POOLS_FILE, HERE / SITE_INDEX)
    print(f"{SITE_INDEX}: {'written' if written else 'unchanged'}")


def task_site():
    """Render the model pools as a static HTML page (_site/index.html)."""
    return {
        "actions": [build_site],
        "file_dep": [POOLS_FILE, "render.py"],
        "targets": [SITE_INDEX],
        "clean": True,
        "verbosity": 2,
    }


def generate_intro() -> None:
    """doit action: ask the smallTasks model (and its fallbacks) for the page text."""
    from generate import generate

    print("\n".join(asyncio.run(generate(HERE / "_site" / "text", settings=SETTINGS))))


def task_intro():
    """Write the page text with the free models of the pools (needs OPENROUTER_API_KEY; skipped without it)."""
    return {
        "actions": [generate_intro] if os.environ.get("OPENROUTER_API_KEY") else [],
        "file_dep": [POOLS_FILE, "generate.py"],
        "targets": ["_site/text/index.txt"] if os.environ.get("OPENROUTER_API_KEY") else [],
        "verbosity": 2,
    }
