"""The configuration file ``$XDG_CONFIG_HOME/medic/config.toml``: flag > environment > file > default, and a
bad file is one line of error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medic.cli.config_file import Config, load_config
from medic.cli.output import choose
from medic.cli.state import AppState
from medic.errors import InputError
from tests.cli.conftest import clean_env, run


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config" / "medic" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_is_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'db = "~/kb.db"\noutput = "yaml"\n[server]\nurl = "https://medic.example"\ntoken = "s3cret"\n',
    )
    assert load_config(path) == Config(
        path=path, db="~/kb.db", output="yaml", server_url="https://medic.example", server_token="s3cret"
    )


def test_no_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db = ", "not valid TOML"),
        ("colour = true\n", "unknown key 'colour'"),
        ("db = 3\n", "db must be a non-empty string"),
        ("server = 1\n", "[server] must be a table"),
        ("[server]\nport = 80\n", "unknown key server.'port'"),
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(_write(tmp_path, text))


def test_a_bad_file_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    _write(tmp_path, "db = [1, 2\n")
    env = clean_env(tmp_path)
    env.pop("MEDIC_DB")
    res = run(["sources"], env)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith("medic: ") and "config.toml: not valid TOML" in res.stderr
    assert res.stderr.count("\n") == 1
    assert run(["--help"], env).returncode == 0  # help never reads it


def test_db_precedence_flag_env_file_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("MEDIC_CONFIG", raising=False)
    monkeypatch.delenv("MEDIC_DB", raising=False)
    assert AppState().db_path() == tmp_path / "data" / "medic" / "medic.db"  # default
    _write(tmp_path, f'db = "{tmp_path / "file.db"}"\n')
    assert AppState().db_path() == tmp_path / "file.db"  # file
    monkeypatch.setenv("MEDIC_DB", str(tmp_path / "env.db"))
    assert AppState().db_path() == tmp_path / "env.db"  # env beats file
    assert AppState(db=str(tmp_path / "flag.db")).db_path() == tmp_path / "flag.db"  # flag beats env


def test_output_precedence_flag_env_file_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("MEDIC_CONFIG", raising=False)
    monkeypatch.delenv("MEDIC_OUTPUT", raising=False)
    assert choose(AppState(), None) == "text"  # default
    _write(tmp_path, 'output = "yaml"\n')
    assert choose(AppState(), None) == "yaml"  # file
    assert choose(AppState(), None, formats=("text", "json")) == "text"  # a format this command lacks: its default
    monkeypatch.setenv("MEDIC_OUTPUT", "json")
    assert choose(AppState(), None) == "json"  # env beats file
    assert choose(AppState(), "text") == "text"  # flag beats env
    assert choose(AppState(), None, as_json=True) == "json"


def test_the_configured_output_and_db_reach_a_command(tmp_path: Path, catalog_db: Path) -> None:
    _write(tmp_path, f'db = "{catalog_db}"\noutput = "json"\n')
    env = clean_env(tmp_path)
    env.pop("MEDIC_DB")
    res = run(["sources"], env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["sources"]
    assert not run(["sources", "-o", "text"], env).stdout.startswith("{")  # the flag wins


def test_the_configured_server_and_token_are_used_by_send(tmp_path: Path) -> None:
    _write(tmp_path, '[server]\nurl = "ftp://medic.example"\ntoken = "t"\n')
    env = clean_env(tmp_path)
    res = run(["collect", "--send", "--kubeconfig", str(tmp_path / "none")], env)
    # the configured URL was taken (and refused before any cluster walk, as --post would be)
    assert res.returncode != 0 and "ftp://medic.example" in res.stderr and res.stderr.count("\n") == 1
    _write(tmp_path, "")
    res = run(["collect", "--send"], env)
    assert res.returncode == 2 and "--send needs a server" in res.stderr
