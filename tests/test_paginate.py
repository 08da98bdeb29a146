"""Pagination helpers and their use on the article listing and actor index."""

from __future__ import annotations

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


test_build_splits_listing_and_actor_index = __import__("pytest").mark.slow(test_build_splits_listing_and_actor_index)
