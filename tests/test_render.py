"""Rendering helpers: links relative to the page, partials memoised per item (sitegen serve)."""

from __future__ import annotations

import posixpath

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.render import Renderer, memoise_partial, relative_url


class Memo:
    def __init__(self) -> None:
        self.values: dict[int, tuple[object, dict]] = {}

    def get(self, item: object, make):  # type: ignore[no-untyped-def]
        found = self.values.get(id(item))
        if found is None or found[0] is not item:
            found = self.values[id(item)] = (item, make(item))
        return found[1]


def split(folder: str) -> list[str]:
    return folder.split("/") if folder != "." else []


@pytest.mark.parametrize("target,folder", [
    ("articles/a.html#s1", "actors"), ("index.html", "."), ("timeline/index.html", "timeline/by-year"),
    ("actors", "actors"), ("actors/x.html", "actors"), ("a/b/c.html", "a/b/c.html"), ("a", "a/b"),
    ("/abs.html", "actors"), ("a//b.html", "."), ("a/./b.html", "x"), ("../up.html", "x/y"), ("a/", "a"),
    ("static/style.css", "timeline/by-year"), ("x.html", "x.html/y"),
])
def test_relative_url_is_relpath(target: str, folder: str) -> None:
    assert relative_url(target, folder, split(folder)) == posixpath.relpath(target, folder)


def test_relative_url_refuses_what_relpath_refuses() -> None:
    with pytest.raises(ValueError):
        relative_url("", "actors", ["actors"])


part = st.sampled_from(["a", "b", "actors", "index.html", "x.html#s1", ".", "..", "", "é"])


@given(st.lists(part, min_size=1, max_size=4), st.lists(part.filter(lambda p: p not in ("", ".", "..")), max_size=3))
def test_relative_url_is_relpath_for_any_paths(target: list[str], folder: list[str]) -> None:
    t, f = "/".join(target), "/".join(folder) or "."
    try:
        expected = posixpath.relpath(t, f)
    except ValueError:
        return
    assert relative_url(t, f, split(f)) == expected


EVENT = "<li>{{ item.text }} <a href=\"{{ url(item.path) }}\">x</a></li>"
PAGE = "{% for item in items %}{% include 'partials/event.html' %}{% endfor %}"


def test_a_partial_that_reads_only_its_item_and_url_is_rendered_once_per_item_and_folder() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": PAGE, "partials/event.html": EVENT}),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    plain = jinja2.Environment(loader=jinja2.DictLoader({"page.html": PAGE, "partials/event.html": EVENT}),
                               autoescape=True, undefined=jinja2.StrictUndefined)
    runs = []
    original = env.get_template("partials/event.html").root_render_func
    env.get_template("partials/event.html").root_render_func = lambda c: runs.append(1) or original(c)
    assert memoise_partial(env, "partials/event.html", Memo())
    items = [{"text": "one", "path": "articles/a.html"}, {"text": "two <b>", "path": "articles/b.html"}]
    for path in ("actors/x.html", "actors/y.html", "timeline/by-year/2020.html", "actors/x.html"):
        got = Renderer(env, {}).page("page.html", path, items=items)
        assert got == Renderer(plain, {}).page("page.html", path, items=items)
    assert len(runs) == 4  # two items in two folders; actors/y.html and the second actors/x.html reuse them
    assert memoise_partial(env, "partials/event.html", Memo()) is True  # idempotent: not wrapped twice


@pytest.mark.parametrize("partial", [
    "<li>{{ item.text }} on {{ page_path }}</li>",  # reads the page: not memoised
    "<li>{{ item.text }} {% include 'other.html' %}</li>",  # includes: what it reads is unknown
    "<li>{{ item.text }} {{ lipsum(1) }}</li>",  # random
])
def test_a_partial_that_reads_more_is_not_memoised(partial: str) -> None:
    loader = jinja2.DictLoader({"page.html": PAGE, "partials/event.html": partial, "other.html": "{{ section }}"})
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    assert memoise_partial(env, "partials/event.html", Memo()) is False
