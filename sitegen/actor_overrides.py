"""``data/actors.yaml``: an editor's corrections to the actor analysis.

The file is optional.  Its schema (documented with an example in
``docs/actors.md``)::

    actors:
      <actor id or name>:
        name: str            # rename (the id follows the new name)
        type: person | organisation | country | place | group
        role: str            # the role shown under the name
        description: str     # one line shown on the actor's page
        aliases: [str, ...]  # other names or ids merged into this actor
        hide: bool           # leave the actor out of the site
        split:               # move some mentions out into another actor
          - name: str                # the other actor (new or existing)
            articles: [slug, ...]    # its mentions in these articles ...
            aliases: [str, ...]      # ... or under these spellings
            type: ...                # optional

Loading collects every problem in one pass and names the file and line of
each; unknown keys are warnings (a typo is reported, the build goes on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .aliases import TYPES, slugify
from .model import Problem

log = logging.getLogger(__name__)

ENTRY_KEYS = {
    "name": "rename the actor; its id becomes the slug of the new name",
    "type": "one of " + ", ".join(TYPES),
    "role": "the role shown under the actor's name (replaces the one found in the text)",
    "description": "a one-line description shown on the actor's page",
    "aliases": "other names or ids whose mentions belong to this actor",
    "hide": "true to leave the actor out of the site",
    "split": "a list of {name, articles, aliases, type}: mentions moved to another actor",
}
SPLIT_KEYS = ("name", "articles", "aliases", "type")


class OverridesError(ValueError):
    """``data/actors.yaml`` is not valid; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Split:
    """Mentions of an actor that belong to another one."""

    name: str
    articles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    type: str | None = None


@dataclass(frozen=True)
class ActorOverride:
    """One entry of ``data/actors.yaml``; ``key`` is the slug of its key."""

    key: str
    where: str  # "data/actors.yaml:12", for messages
    name: str | None = None
    type: str | None = None
    role: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()
    hide: bool = False
    splits: tuple[Split, ...] = ()


@dataclass(frozen=True)
class Overrides:
    """All entries of ``data/actors.yaml`` (empty when the file is absent)."""

    path: str = ""
    actors: tuple[ActorOverride, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def get(self, key: str) -> ActorOverride | None:
        for entry in self.actors:
            if entry.key == key:
                return entry
        return None


def load_overrides(path: str | Path) -> Overrides:
    """Read and validate ``path``; a missing file means no overrides.

    Raises :class:`OverridesError` listing every problem with its line.
    """
    p = Path(path)
    if not p.exists():
        return Overrides(path=str(path))
    return parse_overrides(p.read_text(encoding="utf-8"), str(path))


def parse_overrides(text: str, path: str = "data/actors.yaml") -> Overrides:
    """Validate the YAML ``text`` of an overrides file called ``path``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise OverridesError(
            [Problem(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line)]
        ) from exc
    v = _Validator(path)
    entries = v.document(root)
    if v.errors:
        raise OverridesError(v.errors)
    for w in v.warnings:
        log.warning("%s", w)
    return Overrides(path=path, actors=tuple(entries), warnings=tuple(v.warnings))


class _Validator:
    """Walks the YAML node tree, so every problem can name its line."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def _line(self, node: Any) -> int:
        return int(node.start_mark.line) + 1

    def error(self, node: Any, field: str, message: str) -> None:
        self.errors.append(Problem(self.path, f"{field}: {message}", self._line(node), field))

    def warn(self, node: Any, field: str, message: str) -> None:
        self.warnings.append(Problem(self.path, f"{field}: {message}", self._line(node), field))

    def _pairs(self, node: Any, field: str) -> list[tuple[str, Any, Any]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, field, f"expected a mapping, got {_kind(node)}")
            return None
        out, seen = [], set()
        for k, val in node.value:
            key = str(k.value) if isinstance(k, yaml.ScalarNode) else ""
            if key in seen:
                self.error(k, f"{field}.{key}", "given twice")
            seen.add(key)
            out.append((key, k, val))
        return out

    def _str(self, node: Any, field: str) -> str | None:
        # numbers are kept as written: an article slug may be "003"
        tags = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        if not isinstance(node, yaml.ScalarNode) or node.tag not in tags or not node.value.strip():
            self.error(node, field, f"expected a non-empty string, got {_kind(node)}")
            return None
        return str(node.value).strip()

    def _strs(self, node: Any, field: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and not node.tag.endswith((":null", ":bool")):
            node = yaml.SequenceNode(
                "tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark
            )
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, field, f"expected a list of strings, got {_kind(node)}")
            return ()
        out = [self._str(item, f"{field}[{i}]") for i, item in enumerate(node.value)]
        return tuple(s for s in out if s)

    def _type(self, node: Any, field: str) -> str | None:
        value = self._str(node, field)
        if value is not None and value not in TYPES:
            self.error(node, field, f"expected one of {', '.join(TYPES)}, got {value!r}")
            return None
        return value

    def document(self, root: Any) -> list[ActorOverride]:
        if root is None:
            return []
        pairs = self._pairs(root, "(top level)")
        if pairs is None:
            return []
        entries: list[ActorOverride] = []
        for key, knode, val in pairs:
            if key != "actors":
                self.warn(knode, key, "unknown key (expected 'actors')")
                continue
            if isinstance(val, yaml.ScalarNode) and val.tag == "tag:yaml.org,2002:null":
                continue
            for name, nnode, body in self._pairs(val, "actors") or []:
                entry = self.entry(name, nnode, body)
                if entry is not None:
                    entries.append(entry)
        self.cross_check(entries)
        return entries

    def entry(self, name: str, knode: Any, body: Any) -> ActorOverride | None:
        field = f"actors.{name}"
        if not slugify(name):
            self.error(knode, field, "the key must be an actor id or name")
            return None
        fields: dict[str, Any] = {}
        for key, k, val in self._pairs(body, field) or []:
            sub = f"{field}.{key}"
            if key in ("name", "role", "description"):
                fields[key] = self._str(val, sub)
            elif key == "type":
                fields["type"] = self._type(val, sub)
            elif key == "aliases":
                fields["aliases"] = self._strs(val, sub)
            elif key == "hide":
                if not (isinstance(val, yaml.ScalarNode) and val.tag == "tag:yaml.org,2002:bool"):
                    self.error(val, sub, f"expected true or false, got {_kind(val)}")
                else:
                    fields["hide"] = val.value.lower() in ("true", "yes", "on")
            elif key == "split":
                fields["splits"] = self.splits(val, sub)
            else:
                self.warn(k, sub, f"unknown key (expected one of {', '.join(ENTRY_KEYS)})")
        clean = {k: v for k, v in fields.items() if v is not None}
        return ActorOverride(key=slugify(name), where=f"{self.path}:{self._line(knode)}", **clean)

    def splits(self, node: Any, field: str) -> tuple[Split, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, field, f"expected a list, got {_kind(node)}")
            return ()
        out = []
        for i, item in enumerate(node.value):
            sub = f"{field}[{i}]"
            values: dict[str, Any] = {}
            for key, k, val in self._pairs(item, sub) or []:
                if key == "name":
                    values["name"] = self._str(val, f"{sub}.name")
                elif key in ("articles", "aliases"):
                    values[key] = self._strs(val, f"{sub}.{key}")
                elif key == "type":
                    values["type"] = self._type(val, f"{sub}.type")
                else:
                    self.warn(
                        k, f"{sub}.{key}", f"unknown key (expected one of {', '.join(SPLIT_KEYS)})"
                    )
            if not values.get("name"):
                if "name" not in values:
                    self.error(item, sub, "a split needs a name")
                continue
            if not values.get("articles") and not values.get("aliases"):
                self.error(
                    item, sub, "a split needs articles or aliases to say which mentions move"
                )
                continue
            out.append(Split(**{k: v for k, v in values.items() if v is not None}))
        return tuple(out)

    def cross_check(self, entries: list[ActorOverride]) -> None:
        """Two entries for one actor, or one alias claimed twice, are errors."""
        owner: dict[str, ActorOverride] = {}
        for e in entries:
            if e.key in owner:
                self.errors.append(
                    Problem(
                        self.path,
                        f"actors: {e.where} and {owner[e.key].where} are both about '{e.key}'",
                    )
                )
            owner[e.key] = e
        claimed: dict[str, ActorOverride] = {}
        for e in entries:
            for alias in e.aliases:
                key = slugify(alias)
                if key in claimed and claimed[key] is not e:
                    self.errors.append(
                        Problem(
                            self.path,
                            f"alias {alias!r} is claimed by {e.where} and {claimed[key].where}",
                        )
                    )
                claimed[key] = e


def _kind(node: Any) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing"
    return repr(node.value)
