"""End to end: the demo corpus mined on the real models, its report rendered in headless Chromium.

Debian's chromium (installed by `make setup`) is driven by Playwright through `executable_path`, so no
browser is downloaded. The test saves the screenshot shown in the README (docs/report.png).
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "report.png"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECTED = ["Website", "Contact centre", "Delivery & fulfilment"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed: run make setup"),
]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory, demo_mined) -> Path:
    """The demo corpus mined with the defaults (conftest's `demo_mined`, shared with tests/test_e2e_demo.py)."""
    from conftest import copy_db

    from miner.report.html import write_report
    from miner.store import open_db

    out = tmp_path_factory.mktemp("demo_report")
    db = open_db(copy_db(demo_mined[0], out))
    return write_report(db, out / "report.html")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def svg_texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def test_demo_report_renders_in_chromium(demo_report, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("request", lambda req: requests.append(req.url))
    page.goto(demo_report.as_uri())
    for chart in ("journey", "touchpoints", "trends", "impact"):
        page.wait_for_selector(f"#chart-{chart} svg.main-svg", timeout=20_000)
    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:", "blob:"))] == []  # opens offline
    # Nothing in the modebar sends the data to Chart Studio or links to plotly: a download button per chart only.
    titles = page.locator(".modebar-btn").evaluate_all("els => els.map(e => e.dataset.title)")
    assert titles == ["Download plot as a PNG"] * 4, titles
    assert page.locator(".modebar a, .chart a[href]").count() == 0

    # The touchpoint chart names touchpoints (not ids), and bars are drawn.
    labels = svg_texts(page, "#chart-touchpoints .ytick text")
    assert all(name in labels for name in EXPECTED), labels
    assert "contact_center" not in labels
    assert page.locator("#chart-touchpoints .bars path").count() == len(labels)
    assert page.locator("#chart-trends .scatterlayer .trace").count() >= 6
    assert page.locator("#chart-impact .scatterlayer .point").count() >= 6
    body = page.inner_text("body")
    assert all(name in body for name in EXPECTED)
    assert "Missing information" in body and "significant" in body

    # Sorting re-orders the bars; clicking a bar opens that touchpoint's pain points.
    page.click("button[data-sort='rate']")
    page.wait_for_timeout(200)
    assert svg_texts(page, "#chart-touchpoints .xtitle")[0].startswith("Items with a complaint")
    # the pressed button says so to a screen reader, not by colour alone; headings go h2 -> h3, never skip a level
    pressed = page.eval_on_selector_all(".toolbar button", "bs => bs.map(b => b.getAttribute('aria-pressed'))")
    assert pressed == ["false", "true"]  # volume and rate ("share of complaints" sorted as volume does)
    said = page.get_attribute("#chart-touchpoints", "aria-label")
    assert said.startswith("Items with a complaint about each touchpoint, highest share first: ") and "%" in said
    assert "&amp;" not in said
    assert page.locator("h4").count() == 0 and page.locator("a.skip[href='#overview']").count() == 1
    page.click("button[data-sort='complaints']")
    page.wait_for_timeout(200)
    # bar order, largest first; the names reach plotly as plain text ("Delivery &amp; fulfilment"), shown unescaped
    order = [html.unescape(y) for y in page.evaluate("document.getElementById('chart-touchpoints').data[0].y")]
    volumes = page.evaluate("document.getElementById('chart-touchpoints').data[0].customdata.map(c => c[1])")
    assert sorted(order) == sorted(labels) and volumes == sorted(volumes, reverse=True)
    assert not page.locator("#tp-contact_center").evaluate("el => el.open")
    # Plotly takes clicks on its drag layer, above the bars: click where the bar is, clear of the sticky nav.
    page.locator("#chart-touchpoints").evaluate("el => el.scrollIntoView({block: 'center'})")
    box = page.locator("#chart-touchpoints .bars path").nth(order.index("Contact centre")).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('tp-contact_center').open", timeout=5_000)
    assert problems == []

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator("#tp-contact_center").evaluate("el => el.open = false")
    page.evaluate("window.scrollTo(0, 0)")
    bottom = page.evaluate("document.querySelector('#touchpoints').getBoundingClientRect().bottom + window.scrollY")
    page.screenshot(path=str(SCREENSHOT), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": bottom + 24})
    assert SCREENSHOT.stat().st_size > 20_000
    page.close()


def test_printing_shows_every_quote_and_fits_the_page(demo_report, browser, tmp_path):
    """A PDF (or the browser's print dialog) holds every pain point's quotes, not only the open touchpoint's; the
    charts fit an A4 page, the colour keys print, and what only works on screen is left out."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(demo_report.as_uri())
    page.wait_for_selector("#chart-impact svg.main-svg", timeout=20_000)
    closed = page.evaluate("document.querySelectorAll('details.tp:not([open])').length")
    assert closed > 0  # on screen only the first touchpoint is open
    # What the page looks like when Chromium prints it: a listener added after the report's own runs after it.
    page.evaluate(
        """window.atPrint = null; addEventListener("beforeprint", () => { window.atPrint = {
             closed: document.querySelectorAll("details.tp:not([open])").length,
             widths: [...document.querySelectorAll(".chart")].map(c => c._fullLayout.width),
             legend: document.getElementById("chart-trends")._fullLayout.legend.orientation}; })"""
    )
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    at_print = page.evaluate("window.atPrint")
    assert at_print["closed"] == 0
    assert at_print["widths"] and all(w <= 700 for w in at_print["widths"])  # A4 less margins is 718 px
    # the trends legend under the plot, every entry printed (beside it, it was a clipped box with a scrollbar)
    assert at_print["legend"] == "h"
    assert pdf.stat().st_size > 50_000
    # After printing the page is as it was.
    assert page.evaluate("document.querySelectorAll('details.tp:not([open])').length") == closed
    page.wait_for_function("document.getElementById('chart-trends')._fullLayout.legend.orientation === 'v'")
    assert page.evaluate("document.getElementById('chart-trends')._fullLayout.width") > 700

    page.emulate_media(media="print")
    page.wait_for_function("document.querySelectorAll('details.tp:not([open])').length === 0", timeout=5_000)
    hidden = page.evaluate(
        "[...document.querySelectorAll('details.tp blockquote')].filter(q => !q.checkVisibility()).length"
    )
    quotes = page.locator("details.tp blockquote").count()
    assert quotes > 100 and hidden == 0
    for selector in ("nav", ".toolbar", ".modebar-container"):
        assert not page.locator(selector).first.is_visible(), selector
    assert "Click a bar" not in page.inner_text("#touchpoints")
    adjust = page.evaluate("getComputedStyle(document.querySelector('.sw')).printColorAdjust")
    assert adjust == "exact"
    assert page.evaluate("getComputedStyle(document.querySelector('.chart')).breakInside") == "avoid"
    page.close()


@pytest.mark.parametrize("width,height", [(390, 844), (768, 1024), (1366, 768)])
def test_no_sideways_scroll_on_phone_tablet_or_laptop(demo_report, browser, width, height):
    """The page is as wide as the screen (wide tables scroll in their own box), and on a phone the legends sit under
    their charts instead of over them."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(demo_report.as_uri())
    page.wait_for_selector("#chart-impact svg.main-svg", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sticking_out = page.evaluate(
        """[...document.querySelectorAll("main *")].filter(e => !e.closest(".scroll, .chart"))
             .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
             .map(e => e.tagName + " " + e.textContent.slice(0, 40))"""
    )
    assert sticking_out == []
    nav = page.locator("nav a").evaluate_all("els => els.map(a => a.getBoundingClientRect().right)")
    assert max(nav) <= width  # every section's link in sight
    if width < 640:
        legend = page.evaluate("document.getElementById('chart-trends')._fullLayout.legend")
        assert legend["orientation"] == "h" and legend["y"] < 0
    page.close()


def test_hostile_names_render_as_text_under_the_api_policy(tmp_path, fake_embedder, browser):
    """Touchpoints named `<!--<script>` and `<a href=...>`, served by the API with its Content-Security-Policy and
    opened through the key page at `/`: every chart draws, the names show as text, no link, no CSP violation."""
    from fastapi.testclient import TestClient

    from api.db import open_control, workspace_path
    from api.keys import create_key
    from api.main import create_app
    from api.settings import Settings
    from tests.test_security import mine_hostile

    settings = Settings(db=tmp_path / "main.db", embedding_model="fake", rate_limit=0)
    key = create_key(open_control(settings.db), "w")
    path = workspace_path(settings.workspaces_dir, "w")
    path.parent.mkdir(parents=True, exist_ok=True)
    mine_hostile(path, fake_embedder)
    origin = "http://touchpoints.test"
    with TestClient(create_app(settings)) as client:

        def forward(route) -> None:  # noqa: ANN001 - playwright's Route
            request = route.request
            resp = client.request(request.method, request.url.removeprefix(origin), headers=request.headers)
            assert "content-security-policy" in resp.headers or not resp.headers["content-type"].startswith("text/html")
            route.fulfill(status=resp.status_code, headers=dict(resp.headers), body=resp.content)

        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
        page.route(f"{origin}/**", forward)
        page.goto(f"{origin}/")
        page.fill("#key", key)
        page.click("button")
        for chart in ("journey", "touchpoints", "trends", "impact"):
            page.wait_for_selector(f"#chart-{chart} svg.main-svg", timeout=20_000)
        labels = svg_texts(page, "#chart-touchpoints .ytick text")
        links = page.locator(".chart svg a").count()
        legend = svg_texts(page, "#chart-trends .legendtext")
        page.close()
    assert problems == [] and links == 0
    assert "<a href=http://evil.example>click</a>" in legend
    assert sorted(labels) == sorted(["<!--<script>", "<a href=http://evil.example>click</a>"])
