"""End to end: the demo corpus mined on the real models, its report rendered in headless Chromium.

Debian's chromium (installed by `make setup`) is driven by Playwright through `executable_path`, so no
browser is downloaded. The test saves the screenshot shown in the README (docs/report.png).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "food_delivery"
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
def demo_report(tmp_path_factory) -> Path:
    from miner.pipeline import MineOptions, mine
    from miner.report.html import write_report
    from miner.store import open_db

    out = tmp_path_factory.mktemp("demo_report")
    db = open_db(out / "demo.db")
    mine(db, [CORPUS], MineOptions())
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
    page.click("button[data-sort='complaints']")
    page.wait_for_timeout(200)
    order = page.evaluate("document.getElementById('chart-touchpoints').data[0].y")  # bar order, largest first
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
