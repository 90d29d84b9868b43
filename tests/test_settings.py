"""Settings: defaults, then [tool.modelpools] in pyproject.toml, then MODELPOOLS_* variables."""

from pathlib import Path

import pytest

from modelpools.errors import SettingsError
from modelpools.rules.roles import CODING, PAGE, SMALL, RoleRule
from modelpools.settings import SETTING_KEYS, Settings, load_settings


def write_pyproject(tmp_path: Path, body: str) -> None:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")


def test_defaults_without_pyproject_or_environment(tmp_path):
    settings = load_settings(tmp_path, environ={})
    assert settings.openrouter_url == "https://openrouter.ai/api/v1/models"
    assert settings.benchmarks_repo == "https://github.com/JonathanChavezTamales/llm-leaderboard.git"
    assert settings.catalog_ttl == 24 * 3600
    assert settings.benchmarks_ttl == 7 * 86400
    assert settings.cache_path == tmp_path.resolve() / ".cache"
    assert settings.files.pools_file == tmp_path.resolve() / ".cache" / "model-pools.json"
    assert (settings.offline, settings.strict) == (False, False)


def test_pyproject_overrides_defaults_and_environment_overrides_pyproject(tmp_path):
    write_pyproject(
        tmp_path,
        '[tool.modelpools]\ncatalog_ttl = "30m"\ncache-dir = "build/pools"\nfuzzy_threshold = 80\n',
    )
    settings = load_settings(tmp_path, environ={"MODELPOOLS_CATALOG_TTL": "90s", "MODELPOOLS_STRICT": "1"})
    assert settings.catalog_ttl == 90
    assert settings.strict is True
    assert settings.fuzzy_threshold == 80
    assert settings.cache_path == tmp_path.resolve() / "build" / "pools"


@pytest.mark.parametrize(
    "name, value, expected_words",
    [
        ("MODELPOOLS_CATALOG_TTL", "tomorrow", "a duration"),
        ("MODELPOOLS_OFFLINE", "maybe", "a boolean"),
        ("MODELPOOLS_OPENROUTER_URL", "ftp://example.org/models", "http"),
        ("MODELPOOLS_BENCHMARKS_REPO", "--upload-pack=evil", "git URL"),
        ("MODELPOOLS_BENCHMARKS_REF", "-x", "branch, tag or commit"),
        ("MODELPOOLS_FUZZY_THRESHOLD", "170", "from 0 to 100"),
        ("MODELPOOLS_LARGE_CUTOFF", "1.5", "fraction"),
    ],
)
def test_invalid_environment_value_names_key_value_and_what_is_accepted(tmp_path, name, value, expected_words):
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={name: value})
    message = str(caught.value)
    assert name in message and repr(value) in message and expected_words in message
    assert "\n" not in message


def test_invalid_pyproject_value_names_the_file(tmp_path):
    write_pyproject(tmp_path, '[tool.modelpools]\nbenchmarks_ttl = "a week"\n')
    with pytest.raises(SettingsError, match=r"\[tool.modelpools\] benchmarks_ttl in .*pyproject.toml: invalid value"):
        load_settings(tmp_path, environ={})


def test_unknown_pyproject_key_is_an_error_listing_known_keys(tmp_path):
    write_pyproject(tmp_path, "[tool.modelpools]\ncatalog_tll = 5\n")
    with pytest.raises(
        SettingsError,
        match=r"unknown key 'catalog_tll' in \[tool.modelpools\] \(did you mean "
        r"catalog_ttl\?\); known keys: .*catalog_ttl",
    ):
        load_settings(tmp_path, environ={})


def test_a_misspelt_environment_variable_stops_the_run_with_a_suggestion(tmp_path):
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path, environ={"MODELPOOLS_CATLOG_TTL": "1h"})
    assert str(raised.value) == (
        "unknown environment variable MODELPOOLS_CATLOG_TTL "
        "(did you mean MODELPOOLS_CATALOG_TTL?); fix its name or unset it"
    )


@pytest.mark.parametrize("table", ["modelpool", "model-pools", "model_pools", "modelpols", "ModelPools"])
def test_a_misspelt_tool_table_stops_the_run_instead_of_leaving_the_defaults(tmp_path, table):
    write_pyproject(tmp_path, f'[tool.{table}]\ncatalog_ttl = "12h"\n')
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path, environ={})
    assert str(raised.value) == (
        f"{tmp_path / 'pyproject.toml'}: unknown table [tool.{table}] (did you mean [tool.modelpools]?); rename it"
    )


def test_other_tools_tables_are_left_alone(tmp_path):
    write_pyproject(
        tmp_path,
        "[tool.doit]\nverbosity = 2\n[tool.pytest.ini_options]\n[tool.ruff]\n[tool.mypy]\n[tool.modelpools-extras]\n"
        '[tool.modelpools]\ncatalog_ttl = "12h"\n',
    )
    assert load_settings(tmp_path, environ={}).catalog_ttl == 12 * 3600


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("MODELPOOLS_OFFLINE", "a boolean: 1/0, true/false, yes/no, on/off"),
        (
            "MODELPOOLS_CATALOG_TTL",
            "a duration: seconds, or a number followed by s, m, h or d (e.g. 90s, 30m, 24h, 7d)",
        ),
        ("MODELPOOLS_BENCHMARKS_REF", "a value"),
    ],
)
def test_an_empty_setting_variable_is_refused_not_taken_as_unset(tmp_path, name, accepted):
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path, environ={name: ""})
    assert str(raised.value) == f"{name} is set but empty; set it to {accepted} or unset it"


def test_an_unknown_environment_variable_with_nothing_close_is_named_without_a_guess(tmp_path):
    with pytest.raises(SettingsError, match=r"^unknown environment variable MODELPOOLS_COLOUR; fix its name"):
        load_settings(tmp_path, environ={"MODELPOOLS_COLOUR": "1", "OTHER_TOOL_SETTING": "x"})


def test_environment_variables_that_are_not_settings_can_be_declared(tmp_path, monkeypatch):
    monkeypatch.setattr("modelpools.settings.OTHER_ENV_VARS", ("MODELPOOLS_LEDGER",))
    assert load_settings(tmp_path, environ={"MODELPOOLS_LEDGER": "x.db"}) == load_settings(tmp_path, environ={})


def test_broken_pyproject_is_one_line_naming_the_file_and_position(tmp_path):
    write_pyproject(tmp_path, "[tool.modelpools]\ncatalog_ttl = 12h\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path, environ={})
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: not valid TOML") and "line 2, column" in message
    assert "\n" not in message


def test_tier_cutoffs_must_be_ordered(tmp_path):
    with pytest.raises(SettingsError, match="large_cutoff"):
        load_settings(tmp_path, environ={"MODELPOOLS_LARGE_CUTOFF": "0.6"})


def test_every_key_has_an_environment_variable_and_a_field(tmp_path):
    fields = set(Settings.__dataclass_fields__)
    assert set(SETTING_KEYS) <= fields
    settings = load_settings(tmp_path, environ={"MODELPOOLS_TASK_PREFIX": "models-", "MODELPOOLS_OFFLINE": "yes"})
    assert settings.task_prefix == "models-" and settings.offline is True


def test_settings_are_immutable(tmp_path):
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(AttributeError):
        settings.strict = True  # type: ignore[misc]


def test_fingerprints_for_doit_never_carry_passwords(tmp_path):
    from modelpools.slices import BenchmarkSettings, CatalogSettings

    settings = load_settings(
        tmp_path,
        environ={
            "MODELPOOLS_OPENROUTER_URL": "https://user:s3cret@proxy.example/api/v1/models",
            "MODELPOOLS_BENCHMARKS_REPO": "https://reader:s3cret@git.example/llm-stats.git",
        },
    )
    catalog, benchmarks = CatalogSettings.of(settings).fingerprint(), BenchmarkSettings.of(settings).fingerprint()
    assert catalog["openrouter_url"] == "https://***@proxy.example/api/v1/models"
    assert benchmarks["benchmarks_repo"] == "https://***@git.example/llm-stats.git"
    assert "s3cret" not in repr(catalog) + repr(benchmarks)


def test_roles_from_pyproject_add_requirements_and_site_roles(tmp_path):
    write_pyproject(
        tmp_path,
        """
[tool.modelpools.roles.bulkModel]
requires = ["tools"]

[tool.modelpools.roles.agentModel]
rule = "coding"
requires = ["tools", "tool_choice"]
min_context = 100000
""",
    )
    assert load_settings(tmp_path, {}).roles == (
        RoleRule("bulkModel", CODING, ("tools",), 0),
        RoleRule("pageModel", PAGE, (), 0),
        RoleRule("smallTasksModel", SMALL, (), 0),
        RoleRule("agentModel", CODING, ("tool_choice", "tools"), 100000),
    )
    env = {"MODELPOOLS_ROLES": '{"reviewModel": {"rule": "small"}}'}
    assert load_settings(tmp_path, env).roles[-1] == RoleRule("reviewModel", SMALL, (), 0)


@pytest.mark.parametrize(
    "body, words",
    [
        ('[tool.modelpools.roles.pageModel]\nrule = "coding"\n', "role pageModel: rule must be page"),
        ('[tool.modelpools.roles.x]\nrequires = ["tools"]\n', "role x: rule must be coding, page, small"),
        ('[tool.modelpools.roles.x]\nrule = "coding"\nmin_context = -1\n', "min_context is a whole number"),
        ('[tool.modelpools.roles.x]\nrule = "coding"\nspeed = 1\n', "rule, requires, min_context and ab_share only"),
    ],
)
def test_bad_roles_name_the_problem(tmp_path, body, words):
    write_pyproject(tmp_path, body)
    with pytest.raises(SettingsError, match="roles") as info:
        load_settings(tmp_path, {})
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_misspelt_required_parameter_stops_the_run_with_the_closest_name(tmp_path):
    write_pyproject(tmp_path, '[tool.modelpools.roles.bulkModel]\nrequires = ["tool"]\n')  # meant "tools"
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path, {})
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "pyproject.toml") in message
    assert message.endswith(
        "role bulkModel: requires names from OpenRouter's supported_parameters; 'tool' is none (did you mean tools?)"
    )
    env = {"MODELPOOLS_ROLES": '{"agentModel": {"rule": "coding", "requires": ["vision"]}}'}  # nothing close
    with pytest.raises(SettingsError, match="MODELPOOLS_ROLES") as info:
        load_settings(tmp_path / "elsewhere", env)
    assert "'vision' is none of frequency_penalty, " in str(info.value) and "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://user:s3cret@127.0.0.1:99999/api/v1/models", "a port from 1 to 65535"),
        ("http://user:s3cret@[::1/api/v1/models", "a valid host"),
        ("https://openrouter.ai/api/v1/models\nX-Injected: 1", "without spaces or control characters"),
        ("https://openrouter.ai/api /v1/models", "without spaces or control characters"),
        ("https:///api/v1/models", "a host name"),
        ("https://user:s3cr/et@proxy.example/api", "a valid host"),  # an unencoded / ends the host part
        ("https://proxy.example/api@v1?user=s3cr", "percent-encode"),
    ],
)
def test_a_malformed_url_is_refused_and_its_password_never_shown(tmp_path, url, expected):
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={"MODELPOOLS_OPENROUTER_URL": url})
    message = str(caught.value)
    assert expected in message and message.startswith("MODELPOOLS_OPENROUTER_URL: invalid value ")
    assert "s3cr" not in message and "\n" not in message


def test_well_formed_urls_with_credentials_and_queries_are_accepted(tmp_path):
    for url in (
        "https://user:s3cret@proxy.example:8443/api/v1/models?token=abc",
        "http://user%3Ax@127.0.0.1:8080/models",
        "https://openrouter.ai/api/v1/models",
    ):
        assert load_settings(tmp_path, environ={"MODELPOOLS_OPENROUTER_URL": url}).openrouter_url == url


def test_the_cache_files_are_listed_once_and_every_list_comes_from_it(tmp_path):
    from modelpools.settings import CacheFiles

    files = Settings(project_dir=tmp_path).files
    assert files.pools_file == tmp_path / ".cache" / "model-pools.json"
    # the leftover sweep: every file a stage replaces, not the SQLite ledger (it keeps its own journal)
    assert "model-pools.json" in CacheFiles.swept_names() and "usage.sqlite" not in CacheFiles.swept_names()
    assert len(CacheFiles.swept_names()) == 11
    # the doit tasks name them relative to the project, or absolute when the cache lies outside it
    assert str(files.relative().pools_file) == ".cache/model-pools.json"
    outside = Settings(project_dir=tmp_path / "site", cache_dir=tmp_path / "cache").files
    assert outside.relative().pools_file == tmp_path / "cache" / "model-pools.json"
    assert not hasattr(Settings(), "pools_file")  # one spelling: settings.files.pools_file
