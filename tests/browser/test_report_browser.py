"""The HTML report in a real browser: Debian's headless Chromium opens index.html from disk.

Skipped, with the reason, where chromium or chromedriver is missing (``make test`` installs
them as root via the browser-deps target).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The synthetic study lives beside the unit tests (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from report_data import advice, make_store

from stackpick.analysis.run_view import load_results
from stackpick.report.writer import write_report
from stackpick.store import open_store

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} not found: install Debian's {package} (make test does, as root)"
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    db, run_id = make_store(tmp / "s.db")
    with open_store(db) as store:
        results = load_results(store, run_id)
    results.run.notes.advice = advice()
    return write_report(results, tmp / "report")


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2400"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield drv
    finally:
        drv.quit()


def test_report_opens_cleanly_and_shows_decision_and_charts(driver: object,
                                                            report: Path) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.get(report.as_uri())  # file://: the page must need nothing from the network
    severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []
    card = d.find_element(By.ID, "recommendation")
    assert "PyTorch + ONNX Runtime" in card.text
    assert "runner-up" in card.text.lower()
    charts = d.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 5
    assert all(c.size["width"] > 200 and c.size["height"] > 40 for c in charts)
    # The hostile model name, reason and source are on the page as text, and never ran.
    assert d.execute_script("return window.__pwned === undefined")
    assert "<script>window.__pwned=1</script>" in d.find_element(By.TAG_NAME, "body").text
    hrefs = [a.get_attribute("href") or "" for a in d.find_elements(By.TAG_NAME, "a")]
    assert not any(h.lower().startswith("javascript:") for h in hrefs)
    ARTIFACTS.mkdir(exist_ok=True)
    height = d.execute_script("return document.body.scrollHeight")
    d.set_window_size(1280, min(int(height) + 40, 9000))
    assert d.save_screenshot(str(ARTIFACTS / "report.png"))
