"""io/log: the one URL redaction and the one terminal sanitiser, and a property over the real commands' output:
no control character, escape sequence or newline from upstream data reaches the terminal of `doit pools`,
`modelpools show`, `explain` or `check`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from support import TEST_DATA, LoopbackServer, Reply, new_layout_repo

from modelpools.io.log import printable, redact

BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def unprintable(text: str) -> list[str]:
    """The characters of text that must not reach a terminal raw, by Unicode's own tables (a newline is allowed:
    callers check forged lines separately): controls, line/paragraph separators, bidi embeddings and overrides."""
    return [
        c
        for c in text
        if c != "\n"
        and (unicodedata.category(c) in ("Cc", "Zl", "Zp") or unicodedata.bidirectional(c) in BIDI_CONTROLS)
    ]


# ---------------------------------------------------------------- redact: every form of credential


@pytest.mark.parametrize(
    "text, shown",
    [
        ("http://user:secret@127.0.0.1:99999/api/v1/models", "http://***@127.0.0.1:99999/api/v1/models"),
        ("http://user:secret@[::1/x", "http://***@[::1/x"),  # not parseable as a URL: still redacted
        ("http://user%3Asecret@host/x", "http://***@host/x"),
        ("https://token@host/x", "https://***@host/x"),
        ("https://host/models?token=abc&page=2#top", "https://host/models?token=***&page=***#top"),
        (
            "fatal: unable to access 'https://reader:SECRET@host/r.git/': 403",
            "fatal: unable to access 'https://***@host/r.git/': 403",
        ),
        ("ssh://git@host/r.git and git@host:r.git", "ssh://***@host/r.git and git@host:r.git"),
        ("https://openrouter.ai/api/v1/models", "https://openrouter.ai/api/v1/models"),
    ],
)
def test_redact_removes_userinfo_in_any_form_and_query_values(text, shown):
    assert redact(text) == shown


def test_redact_removes_a_urls_credentials_wherever_a_message_quotes_them():
    url = "git://reader:secret-pw@127.0.0.1/x"  # git quotes the host part alone
    assert redact("fatal: unable to look up reader:secret-pw@127.0.0.1 (port 9418)", url) == (
        "fatal: unable to look up ***@127.0.0.1 (port 9418)"
    )
    assert redact("login reader%3Asecret-pw refused", "http://reader%3Asecret-pw@h/") == "login *** refused"
    assert redact("password secret-pw/x was rejected", "http://u:secret-pw/x@h/") == "password *** was rejected"


def test_printable_escapes_what_could_drive_a_terminal():
    assert printable("a\x1b[2Jb\x07\x9b\u202ec\r\nd") == "a\\x1b[2Jb\\x07\\x9b\\u202ec\\x0d\\x0ad"
    assert printable("line one\nline two", newlines=True) == "line one\nline two"
    assert (
        printable("Qwen: Qwen3 Coder 480B A35B (free) – ünïcödé 模型")
        == "Qwen: Qwen3 Coder 480B A35B (free) – ünïcödé 模型"
    )
    doc = {"name": "x\x9by\u202e\x1b", "path": "C:\\x"}
    assert json.loads(printable(json.dumps(doc, ensure_ascii=False, indent=2), newlines=True, json=True)) == doc


SECRETS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=4, max_size=24)


@settings(max_examples=300, deadline=None)
@given(user=SECRETS, password=SECRETS, token=SECRETS)
def test_no_credential_survives_redaction_whatever_it_holds(user, password, token):
    from urllib.parse import quote

    url = f"https://{quote(user, safe='')}:{quote(password, safe='')}@host.example/v1?token={quote(token, safe='')}"
    message = f"GET {url} failed; login {user}:{password}@host.example refused ({url})"
    # a secret that is part of the message's own words ("fail", "host") or of the mask cannot be told from them
    words = "GET https://***@host.example/v1?token=*** failed; login ***@host.example refused ()"
    assume(not any(secret in words for secret in (password, quote(password, safe=""), quote(token, safe=""))))
    for shown in (redact(url, url), redact(message, url)):
        for secret in (password, quote(password, safe=""), quote(token, safe="")):
            assert secret not in shown


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_printable_output_holds_no_control_character(text):
    assert unprintable(printable(text)) == [] and "\n" not in printable(text)
    kept = printable(text, newlines=True)
    assert unprintable(kept) == [] and kept.count("\n") == text.count("\n")


# ---------------------------------------------------------------- the property, over real commands

GOOD = TEST_DATA / "openrouter" / "models-2026-04-30.json"
MARK = "INJECTED"
DODO = (
    "import modelpools.io.http\nfrom modelpools.tasks import *\n"
    "modelpools.io.http.RetryPolicy.__init__.__defaults__ = (1, (0.01,), 60.0)\n"
)
EXAMPLES = int(os.environ.get("TERMINAL_EXAMPLES", "4"))  # each one is a doit run and four CLI runs

# Pieces an attacker would put in catalog text: CSI / OSC / DCS sequences, C1 CSI, bidi overrides, line breaks
# (followed by a mark that must never start a line), NUL, DEL, and ordinary text.
HOSTILE = st.lists(
    st.sampled_from(
        [
            "\x1b[2J",
            "\x1b]0;pwned\x07",
            "\x1bP+q\x1b\\",
            "\x9b31m",
            "\u202e",
            "\u2066",
            "\r",
            "\n" + MARK,
            "\r\n" + MARK,
            "\u2028" + MARK,
            "\x00",
            "\x7f",
            "\x08\x08",
            "\t",
            "GLM",
            " 5.2 ",
            "(free)",
            "模型",
            "-",
        ]
    ),
    min_size=1,
    max_size=6,
).map("".join)


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120, check=False)
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")
    return (result.stdout + result.stderr).decode("utf-8")  # raw bytes decoded: nothing hidden by text mode


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A site built once (catalog from the loopback server, LLM-Stats from a file:// repo); examples copy it."""
    server = LoopbackServer().start()
    root = tmp_path_factory.mktemp("terminal-site")
    (root / "dodo.py").write_text(DODO)
    remote = new_layout_repo(tmp_path_factory.mktemp("llm-stats"), orgs=("deepseek", "openai"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": remote.as_uri(),
        "PYTHONIOENCODING": "utf-8",
    }
    server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    first = subprocess.run([sys.executable, "-m", "doit", "pools"], cwd=root, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    yield root, env, server
    server.stop()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=HOSTILE, description=HOSTILE, expiry=HOSTILE, slug=HOSTILE, scored=st.booleans())
@example(
    name="GLM\x1b[2J\n" + MARK, description="\x1b]0;pwned\x07", expiry="\x9b31m\u202e", slug="\r\n" + MARK, scored=True
)
def test_no_control_character_from_catalog_data_reaches_the_terminal(template, name, description, expiry, slug, scored):
    root, env, server = template
    soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))  # inside the 7-day expiry warning
    hostile = {
        "id": "attacker/hostile-model:free",
        "name": name,
        "description": description,
        "canonical_slug": slug,
        "hugging_face_id": slug,
        "expiration_date": soon + "T00:00:00" + expiry,
        "context_length": 131072,
        "pricing": {"prompt": "0", "completion": "0"},
        "architecture": {"modality": "text->text"},
    }
    if scored:
        hostile["benchmarks"] = {"artificial_analysis": {"coding_index": 50}}
    body = json.loads(GOOD.read_bytes())
    body["data"].append(hostile)
    body["data"].append(dict(hostile, id="attacker/\x1b[2Jbad-id:free"))  # a hostile id is dropped, never shown
    server.handler = lambda seen: Reply(body=json.dumps(body).encode())
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(root, site, symlinks=True)
        run_env = env | {"MODELPOOLS_CATALOG_TTL": "0s"}
        outputs = [_run([sys.executable, "-m", "doit", "pools"], site, run_env)]
        assert "catalog" in outputs[0] and "attacker/hostile-model:free" in outputs[0]  # it was ranked or listed
        cli = [sys.executable, "-m", "modelpools", "--project-dir", str(site)]
        for args in (["show"], ["show", "--json"], ["explain", "attacker/hostile-model:free"], ["check"]):
            outputs.append(_run(cli + args, site, run_env))
    for output in outputs:
        assert unprintable(output) == [], output
        assert not any(line.lstrip().startswith(MARK) for line in output.splitlines()), output
