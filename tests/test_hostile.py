"""Hostile content (issue 8: nothing injected).

A site is built from articles, front matter, a saved web page, actors.yaml
and a site config that carry script: ``<script>`` elements, event-handler
attributes, ``javascript:`` links, raw HTML in Markdown, HTML in titles and
front matter, template syntax.  Every payload calls ``alert('pwn-…')``.

Then every output file is checked statically (no element or attribute the
theme does not make, no script holding a payload, no link that is not
http(s) or relative; feed.xml and sitemap.xml are well-formed XML;
briefing.json holds only http(s) URLs), and every page is opened in headless
Chromium, where no dialog may open and no injected element may exist.
Content that must be refused (a ``javascript:`` URL in front matter) is
tested in tests/test_bad_input.py and below.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from sitegen.build import BuildError, build
from sitegen.config import load_config
from sitegen.ingest import IngestError, parse_article, safe_url

from .browsertools import CHROMIUM_ARGS, ROOT, chromium_path, serve_folder

THEME_TEMPLATES = Path(__file__).resolve().parent.parent / "sitegen" / "theme" / "templates"
PROSE = ("The minister said on Monday that the talks would continue next week in Cairo, officials confirmed.\n\n"
         "Officials from both sides met for three hours and agreed to meet again soon, the ministry said.\n\n")

HOSTILE_MD = """---
title: <script>alert("pwn-title")</script> Talks <img src=x onerror=alert('pwn-title-img')>
dek: "<img src=x onerror=alert('pwn-dek')> and </p><script>alert('pwn-dek2')</script>"
date: 2024-03-01
source: '"><svg onload=alert(`pwn-source`)>'
author: "' onmouseover='alert(1)' data-pwn='"
url: https://example.org/story?x="><script>alert('pwn-url')</script>
tags: ["<b onclick=alert('pwn-tag')>bold</b>", "{{ 7*7 }}"]
summary: ["<script>alert('pwn-summary')</script> The editor's summary."]
---
The minister said on Monday that the talks would continue next week in Cairo, officials confirmed.

<div onclick="alert('pwn-div')"><script>alert('pwn-md-script')</script>A raw block of text.</div>

Inline markup <img src=x onerror="alert('pwn-img')"> and a [link](javascript:alert('pwn-link')) and
<a href="javascript:alert('pwn-a')" onmouseover="alert('pwn-a2')">an anchor</a> in a sentence that goes on.

<iframe src="javascript:alert('pwn-iframe')"></iframe>

<svg><script>alert('pwn-svg')</script><circle onload="alert('pwn-circle')"></circle></svg>

<form action="javascript:alert('pwn-form')"><button formaction="javascript:alert('pwn-btn')">Go</button></form>

<meta http-equiv="refresh" content="0;url=javascript:alert('pwn-meta')">
<base href="javascript:alert('pwn-base')//">
<object data="javascript:alert('pwn-object')"></object>
<style>body { display: none }</style>

Escaped text &lt;script&gt;alert('pwn-entity')&lt;/script&gt; stays text, the spokesman said on Monday.

Template syntax {{ 7*7 }} and {% raw %} and {{ site.title }} is text too, officials said in Cairo.

Officials from both sides met for three hours and agreed to meet again soon, the ministry said.
"""

HOSTILE_TXT = """date 2024-03-02 Talks resume
President Jane <script>alert('pwn-txt')</script> Smith said on Monday that the talks in Doha would go on.
</p></span><script>alert('pwn-close')</script> Officials from both sides met for three hours on Monday.
A spokesman said "javascript:alert('pwn-js')" was not a link, and that the delegations would meet again.
Reference(s):
<img src=x onerror=alert('pwn-ref-title')> Talks resume
https://evil.example/"onmouseover="alert('pwn-ref')
"""

HOSTILE_HTML = """<html><head>
<title>&lt;script&gt;alert('pwn-htmltitle')&lt;/script&gt; Port strike ends - Example News</title>
<meta property="og:title" content="<img src=x onerror=alert('pwn-og')> Port strike ends">
<meta property="og:url" content="javascript:alert('pwn-ogurl')">
<link rel="canonical" href="javascript:alert('pwn-canonical')">
<meta property="og:site_name" content="<script>alert('pwn-sitename')</script>">
<meta name="date" content="2024-03-03">
<script>alert('pwn-head')</script>
</head><body onload="alert('pwn-body')"><article>
<h1>Port strike ends</h1>
<p onclick="alert('pwn-p')">The union said on Monday that the port strike had ended after ten days of talks.<script>alert('pwn-inline')</script></p>
<p>Dock workers will return on Tuesday, <a href="javascript:alert('pwn-a')">the union</a> said in a statement.</p>
<p>Shipping companies welcomed the deal and said the backlog would take weeks to clear, officials said.</p>
</article></body></html>
"""

ACTORS_YAML = """actors:
  Cairo:
    description: "<script>alert('pwn-actor-description')</script> A city."
  Jane Smith:
    role: "<img src=x onerror=alert('pwn-role')>"
"""

SITE_YAML = """site:
  title: "<script>alert('pwn-site')</script> Briefing"
  description: "<img src=x onerror=alert('pwn-sitedesc')>"
  base_url: https://example.org/briefing
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "content").mkdir()
    (root / "content" / "markdown.md").write_text(HOSTILE_MD)
    (root / "content" / "plain.txt").write_text(HOSTILE_TXT)
    (root / "content" / "page.html").write_text(HOSTILE_HTML)
    (root / "data").mkdir()
    (root / "data" / "actors.yaml").write_text(ACTORS_YAML)
    (root / "sitegen.yaml").write_text(SITE_YAML)
    build(load_config(root / "sitegen.yaml"))
    return root / "build"


def theme_tags() -> set[str]:
    tags = set()
    for t in THEME_TEMPLATES.rglob("*.html"):
        tags |= set(re.findall(r"<([a-z][a-z0-9]*)", t.read_text()))
    return tags


BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript|file):", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "data", "poster", "background", "xlink:href")


class Audit(HTMLParser):
    """Collects everything on a page that could run script."""

    def __init__(self, allowed_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed_tags
        self.problems: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.allowed:
            self.problems.append(f"<{tag}> is not made by the theme")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_ATTRS and BAD_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv={value!r}>")
            if "pwn" in value and name not in ("content", "title", "href", "aria-label", "value") \
                    and not name.startswith("data-"):
                self.problems.append(f"<{tag} {name}={value!r}> carries a payload")
            if name in URL_ATTRS and urlsplit(value).scheme not in ("", "http", "https"):
                self.problems.append(f"<{tag} {name}={value!r}>: not an http(s) or relative link")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "pwn" in data:
            self.problems.append(f"script with a payload: {data[:80]!r}")


def html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("pagefind/"))


@pytest.mark.slow
def test_every_page_is_free_of_injected_markup(hostile_site: Path) -> None:
    allowed = theme_tags()
    pages = html_files(hostile_site)
    assert len(pages) >= 8
    problems = []
    for page in pages:
        audit = Audit(allowed)
        audit.feed(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(hostile_site)}: {p}" for p in audit.problems]
    assert problems == []


@pytest.mark.slow
def test_payloads_are_shown_as_text(hostile_site: Path) -> None:
    # The slug comes from the title: find the page by its content.
    html = next(p for p in (hostile_site / "articles").glob("*.html")
                if p.name != "index.html" and "pwn-title" in p.read_text())
    text = html.read_text()
    assert "&lt;script&gt;alert(&#34;pwn-title&#34;)&lt;/script&gt;" in text  # title, escaped
    assert "{{ 7*7 }}" in text and "49" not in text.replace("2024", "")  # content is never a template
    assert "pwn-md-script" not in text and "pwn-svg" not in text  # script content is not article text
    assert "&lt;script&gt;alert(&#39;pwn-entity&#39;)" in text  # escaped text stays escaped text
    assert 'href="https://example.org/story?x=&#34;&gt;&lt;script&gt;' in text  # the URL, escaped
    home = (hostile_site / "index.html").read_text()
    assert "<title>&lt;script&gt;alert(&#39;pwn-site&#39;)&lt;/script&gt; Briefing</title>" in home


@pytest.mark.slow
def test_urls_in_head_feed_sitemap_and_json(hostile_site: Path) -> None:
    for page in html_files(hostile_site):
        for url in re.findall(r'<(?:link rel="canonical" href|meta property="og:url" content)="([^"]*)"',
                              page.read_text()):
            assert url.startswith("https://example.org/briefing/"), (page, url)
    feed = ET.parse(hostile_site / "feed.xml").getroot()  # well-formed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    hrefs = [link.get("href") or "" for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs and all(urlsplit(h).scheme in ("http", "https") for h in hrefs), hrefs
    titles = [t.text or "" for t in feed.findall("a:entry/a:title", ns)]
    assert any("<script>" in t for t in titles)  # as text: the XML parser decoded it
    ET.parse(hostile_site / "sitemap.xml")
    data = json.loads((hostile_site / "briefing.json").read_text())
    urls = [a["url"] for a in data["articles"]]
    assert all(u is None or urlsplit(u).scheme in ("http", "https") for u in urls), urls
    by_path = {a["path"]: a for a in data["articles"]}
    assert by_path["content/page.html"]["url"] is None  # javascript: canonical and og:url dropped


@pytest.mark.slow
def test_no_script_runs_in_a_browser(hostile_site: Path) -> None:
    # In a child process: the session's other browser tests hold Playwright's
    # sync API in this one, and it cannot be started twice in a process.
    chromium = chromium_path()
    proc = subprocess.run([sys.executable, "-c", "import sys, json; from tests.test_hostile import browser_audit; "
                           "print(json.dumps(browser_audit(sys.argv[1], sys.argv[2])))", str(hostile_site), chromium],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["pages"] >= 10
    assert result["problems"] == [] and result["dialogs"] == []


def browser_audit(site: str, chromium: str) -> dict[str, object]:
    """Open every page of ``site`` in headless Chromium; report what ran or was injected."""
    from playwright.sync_api import sync_playwright

    hostile_site = Path(site)
    server, base = serve_folder(hostile_site)
    pages = [p.relative_to(hostile_site).as_posix() for p in html_files(hostile_site)]
    pages += [f"search/index.html?q={quote(q)}" for q in ("pwn", "<img src=x onerror=alert('pwn-q')>",
                                                            "\"><script>alert('pwn-q2')</script>")]
    fired: list[str] = []
    problems: list[object] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context()
            # Record every call of a dialog function, and every dialog that opens anyway.
            context.add_init_script("""
                window.__pwned = [];
                for (const name of ["alert", "confirm", "prompt", "print"]) {
                  window[name] = (m) => { window.__pwned.push(name + ":" + m); };
                }""")
            page = context.new_page()
            page.on("dialog", lambda d: (fired.append(f"{d.type}: {d.message}"), d.dismiss()))
            # Negative control: the detector sees a payload that does run.
            page.set_content("<p>x</p><img src=x onerror=\"alert('pwn-control')\">")
            page.wait_for_timeout(200)
            assert page.evaluate("window.__pwned") == ["alert:pwn-control"]
            for path in pages:
                page.goto(base + path, wait_until="load")
                if path.startswith("search/"):
                    try:
                        page.wait_for_selector(".pagefind-ui__result, .pagefind-ui__message", timeout=5000)
                    except Exception:  # noqa: BLE001 - no results is fine; script is what we look for
                        pass
                page.wait_for_timeout(150)
                pwned = page.evaluate("window.__pwned")
                injected = page.evaluate("""() => {
                    const bad = [];
                    for (const el of document.querySelectorAll("*")) {
                      for (const a of el.attributes) {
                        if (a.name.startsWith("on")) bad.push(el.tagName + " " + a.name);
                        // Pagefind's own search form: action="javascript:void(0);"
                        const pagefindForm = el.closest(".pagefind-ui") && a.value === "javascript:void(0);";
                        if (/^\\s*(javascript|data|vbscript):/i.test(a.value) && !pagefindForm
                            && ["href", "src", "action", "formaction"].includes(a.name))
                          bad.push(el.tagName + " " + a.name + "=" + a.value);
                      }
                      if (["IFRAME", "OBJECT", "EMBED", "BASE"].includes(el.tagName)) bad.push(el.tagName);
                      if (el.tagName === "SCRIPT" && el.textContent.includes("pwn")) bad.push("SCRIPT " + el.textContent.slice(0, 60));
                      if (el.tagName === "IMG" && !el.closest(".pagefind-ui")) bad.push("IMG " + el.outerHTML.slice(0, 60));
                    }
                    return bad;
                }""")
                if pwned or injected:
                    problems.append([path, pwned, injected])
            context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"pages": len(pages), "problems": problems, "dialogs": fired}


# ---- refused, not escaped: URLs and raw HTML at ingestion ------------------------

BODY = PROSE


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "/relative/path",
    "https://", "http:///no-host", "ftp://example.org/x", "https://exa mple.org/", "file:///etc/passwd",
])
def test_front_matter_url_must_be_http(url: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_article(f"---\nurl: {json.dumps(url)}\n---\n{BODY}".encode(), "content/a.md", suffix=".md")
    assert info.value.problems[0].field == "url"
    assert "http(s) URL" in info.value.problems[0].message


@pytest.mark.parametrize("url", ["https://example.org/x", "HTTP://EXAMPLE.ORG/", "https://example.org/a?b=c#d"])
def test_http_urls_are_kept(url: str) -> None:
    a = parse_article(f"---\nurl: {url}\n---\n{BODY}".encode(), "content/a.md", suffix=".md")
    assert a.meta.url == url
    assert safe_url(url) == url


def test_markdown_raw_html_leaves_only_text() -> None:
    a = parse_article(HOSTILE_MD.replace("url: https://example.org/story?x=\"><script>alert('pwn-url')</script>\n", "")
                      .encode(), "content/a.md", suffix=".md")
    # No markup in the article text but the paragraph that wrote it as escaped text.
    assert "<" not in a.text.replace("<script>alert('pwn-entity')</script>", "")
    for payload in ("pwn-md-script", "pwn-svg", "pwn-div", "pwn-img", "pwn-link", "pwn-iframe", "pwn-meta"):
        assert payload not in a.text, payload
    assert "an anchor" in a.text and "agreed to meet again soon" in a.text


def test_saved_page_scripts_and_bad_urls_are_dropped() -> None:
    a = parse_article(HOSTILE_HTML.encode(), "content/page.html", suffix=".html")
    assert "pwn-head" not in a.text and "pwn-inline" not in a.text
    assert a.meta.url is None


def test_reference_block_url_must_be_http() -> None:
    text = (PROSE + "Reference(s):\nTalks resume\njavascript:alert(1)\n")
    a = parse_article(text.encode(), "content/a.txt")
    assert a.meta.url is None


def test_templates_never_mark_content_safe() -> None:
    """Autoescape is the defence: no template may switch it off for a value."""
    for t in THEME_TEMPLATES.rglob("*.html"):
        source = t.read_text()
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|\bMarkup\b", source), t


@pytest.mark.slow
def test_rejected_hostile_front_matter_fails_the_build_with_every_error(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(f"---\nurl: javascript:alert(1)\n---\n{BODY}")
    (tmp_path / "content" / "b.md").write_text(f"---\nslug: ../../etc/x\n---\n{BODY}")
    (tmp_path / "content" / "c.md").write_text(f"---\nslug: /tmp/x\n---\n{BODY}")
    with pytest.raises(BuildError) as info:
        build(load_config(root=tmp_path))
    assert sorted(p.path for p in info.value.problems) == ["content/a.md", "content/b.md", "content/c.md"]
    assert not (tmp_path / "build").exists()
