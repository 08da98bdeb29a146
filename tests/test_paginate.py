"""Pagination helpers and their use on the article listing and actor index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sitegen.paginate import initial, page_path, paginate, split_by_letter


def test_one_page_keeps_the_usual_path_and_no_pager() -> None:
    pages = paginate(list(range(5)), 10, "articles/index.html")
    assert [(p.path, list(p.items), p.pager) for p in pages] == [("articles/index.html", [0, 1, 2, 3, 4], None)]


def test_pages_of_fixed_size_first_at_index() -> None:
    pages = paginate(list(range(25)), 10, "articles/index.html")
    assert [p.path for p in pages] == ["articles/index.html", "articles/page/2.html", "articles/page/3.html"]
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert pages[0].pager.prev is None and pages[0].pager.next == "articles/page/2.html"
    assert pages[2].pager.prev == "articles/page/2.html" and pages[2].pager.next is None
    assert [link.current for link in pages[1].pager.links] == [False, True, False]
    assert pages[1].pager.label == "Page 2 of 3"


def test_page_links_are_a_window_not_every_page() -> None:
    pages = paginate(list(range(1000)), 10, "articles/index.html")
    links = [int(link.label) for link in pages[49].pager.links]
    assert links[0] == 1 and links[-1] == 100 and 50 in links and len(links) <= 9


def test_page_path() -> None:
    assert page_path("articles/index.html", 1) == "articles/index.html"
    assert page_path("articles/index.html", 7) == "articles/page/7.html"
    assert page_path("index.html", 2) == "page/2.html"


def test_initial_letters() -> None:
    assert initial("Benjamin Netanyahu") == "b"
    assert initial("Östersund") == "o"
    assert initial("  élysée") == "e"
    assert initial("10 Downing Street") == "#"
    assert initial("“Hamas”") == "#"
    assert initial("") == "#"


def test_split_by_letter_first_letter_at_index() -> None:
    names = ["Biden", "Blinken", "Abbas", "Netanyahu", "9/11 Commission"]
    pages = split_by_letter(names, lambda n: n, "actors/index.html")
    assert [p.path for p in pages] == ["actors/index.html", "actors/by-letter/a.html", "actors/by-letter/b.html",
                                       "actors/by-letter/n.html"]
    assert [list(p.items) for p in pages] == [["9/11 Commission"], ["Abbas"], ["Biden", "Blinken"], ["Netanyahu"]]
    assert [link.label for link in pages[0].pager.links] == ["#", "A", "B", "N"]


def test_a_long_letter_continues_on_further_pages() -> None:
    names = [f"S{i:03d}" for i in range(25)] + ["Abbas"]
    pages = split_by_letter(names, lambda n: n, "actors/index.html", per_page=10)
    assert [p.path for p in pages] == ["actors/index.html", "actors/by-letter/s.html", "actors/by-letter/s-2.html",
                                       "actors/by-letter/s-3.html"]
    assert max(len(p.items) for p in pages) == 10
    assert pages[2].pager.label == "S (2 of 3)"
    s_link = next(link for link in pages[2].pager.links if link.label == "S")
    assert s_link.path == "actors/by-letter/s.html" and s_link.current


def test_single_letter_fits_on_one_page() -> None:
    pages = split_by_letter(["Abbas", "Assad"], lambda n: n, "actors/index.html")
    assert len(pages) == 1 and pages[0].pager is None and pages[0].path == "actors/index.html"


def test_build_splits_listing_and_actor_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    pytest.importorskip("spacy")
    from sitegen.build import build
    from sitegen.config import load_config

    from .sitecheck import broken_links
    from .test_incremental import write_project

    write_project(tmp_path)
    (tmp_path / "sitegen.yaml").write_text(
        "build:\n  jobs: 1\npages:\n  home_articles: 1\n  articles_per_page: 2\n  actors_per_page: 2\n")
    build(load_config(root=tmp_path))
    out = tmp_path / "build"
    assert (out / "articles" / "index.html").is_file() and (out / "articles" / "page" / "2.html").is_file()
    assert not (out / "articles" / "page" / "3.html").exists()
    assert "3 articles" in (out / "articles" / "page" / "2.html").read_text()
    home = (out / "index.html").read_text()
    assert home.count('<li class="card">') == 1 and "All 3 articles" in home
    letters = sorted(p.name for p in (out / "actors" / "by-letter").glob("*.html"))
    assert letters and (out / "actors" / "index.html").is_file()
    assert 'rel="next"' in (out / "actors" / "index.html").read_text()
    assert broken_links(out) == []
    # The search index skips every page of both listings (they repeat the articles' titles and the actors'
    # names): before, only the first page of the article list was skipped.
    listings = ["articles/index.html", "articles/page/2.html", "actors/index.html",
                *(f"actors/by-letter/{name}" for name in letters)]
    assert [p for p in listings if "data-pagefind-body" in (out / p).read_text()] == []
    article = next(p for p in (out / "articles").glob("*.html") if p.name != "index.html")
    assert "data-pagefind-body" in article.read_text()


test_build_splits_listing_and_actor_index = __import__("pytest").mark.slow(test_build_splits_listing_and_actor_index)


def test_split_by_group_keeps_group_order_and_continues_long_groups() -> None:
    from sitegen.paginate import split_by_group

    events = [(2015, "a"), (2015, "b"), (2015, "c"), (2016, "d"), (2018, "e")]
    pages = split_by_group(events, lambda e: str(e[0]), "timeline/index.html", 2, folder="by-year")
    assert [p.path for p in pages] == ["timeline/index.html", "timeline/by-year/2015-2.html",
                                       "timeline/by-year/2016.html", "timeline/by-year/2018.html"]
    assert [len(p.items) for p in pages] == [2, 1, 1, 1]
    assert [p.pager.label for p in pages if p.pager] == ["2015 (1 of 2)", "2015 (2 of 2)", "2016", "2018"]
    assert [link.label for link in pages[0].pager.links] == ["2015", "2016", "2018"]  # type: ignore[union-attr]
    # Everything in one year, on one page: no pager.
    single = split_by_group(events[:2], lambda e: str(e[0]), "timeline/index.html", 5, folder="by-year")
    assert len(single) == 1 and single[0].pager is None


def test_build_splits_the_timeline_by_year(tmp_path: Path) -> None:
    import re

    import pytest

    pytest.importorskip("spacy")
    from sitegen.build import build
    from sitegen.config import load_config

    from .sitecheck import broken_links

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "content", tmp_path / "content")
    (tmp_path / "sitegen.yaml").write_text("build:\n  jobs: 1\npages:\n  events_per_page: 4\n")
    build(load_config(root=tmp_path))
    out = tmp_path / "build"
    data = json.loads((out / "briefing.json").read_text())
    main = [e["id"] for e in data["timeline"] if not e["background"]]
    assert len(main) > 4
    pages = [out / "timeline" / "index.html", *sorted((out / "timeline" / "by-year").glob("*.html"))]
    shown = []
    for page in pages:
        html = page.read_text()
        ids = re.findall(r'<li class="event[^"]*" id="([^"]+)"', html.split('<details class="background"')[0])
        assert 0 < len(ids) <= 4, page
        shown.extend(ids)
        assert 'aria-label="Timeline by year"' in html
    assert sorted(shown) == sorted(main)  # every event once, on the page of its year
    assert '<details class="background"' in pages[0].read_text()  # the background, on the first page only
    assert all('<details class="background"' not in p.read_text() for p in pages[1:])
    assert broken_links(out) == []


test_build_splits_the_timeline_by_year = __import__("pytest").mark.slow(test_build_splits_the_timeline_by_year)
