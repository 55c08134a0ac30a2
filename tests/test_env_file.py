import pytest
from django.core.exceptions import ImproperlyConfigured

from myropo.env import load_env_file


def test_env_file_fills_only_variables_that_are_not_set(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# local\nMYROPO_A=from-file\nMYROPO_B='quoted' # comment\n")
    monkeypatch.setenv("MYROPO_A", "from-environment")
    monkeypatch.delenv("MYROPO_B", raising=False)

    load_env_file(env_file)

    import os

    assert os.environ["MYROPO_A"] == "from-environment"
    assert os.environ["MYROPO_B"] == "quoted"
    monkeypatch.delenv("MYROPO_B")


def test_env_file_line_without_a_value_names_its_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nnot a setting\n")

    with pytest.raises(ImproperlyConfigured, match=":2: expected KEY=VALUE"):
        load_env_file(env_file)


def test_missing_env_file_changes_nothing(tmp_path):
    load_env_file(tmp_path / "absent")
