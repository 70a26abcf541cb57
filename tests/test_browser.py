"""The real HTML report in headless Chromium: rendering, keyboard, filters, decisions, export, safety, no network."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from mtcheck import gate
from mtcheck.report import ReportOptions, render
from test_report_helpers import NO_SUGGESTION_NOTE, XSS_IMG, XSS_SCRIPT, build_result

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _browser(download_dir: Path, profile: Path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium and chromedriver are not installed (make system)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(download_dir), "download.prompt_for_download": False, "safebrowsing.enabled": False},
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


@contextmanager
def opened(page: Path, downloads: Path):
    """Headless Chromium on ``page`` with its own throw-away profile, downloads going to ``downloads``."""
    profile = Path(tempfile.mkdtemp(prefix="mtcheck-chromium-"))
    driver = _browser(downloads, profile)
    try:
        driver.get(page.as_uri())
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    result = build_result()
    page = folder / "report.html"
    page.write_text(render([result], "html", ReportOptions(exit_code=1, reference_path="ref.txt")), encoding="utf-8")
    downloads = folder / "downloads"
    downloads.mkdir()
    with opened(page, downloads) as driver:
        yield driver, page, downloads, result


def _cards(driver):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, ".finding")


def _visible_ids(driver):
    return [c.get_attribute("id") for c in _cards(driver) if c.is_displayed()]


def _active_id(driver):
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def _press(driver, key):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def test_findings_render(report_page):
    from selenium.webdriver.common.by import By

    driver, _page, _downloads, result = report_page
    assert driver.title == "mtcheck review report"
    cards = _cards(driver)
    assert len(cards) == len(result.flagged) == 4
    assert all(c.is_displayed() for c in cards)
    assert [c.get_attribute("data-severity") for c in cards] == ["error", "warning", "info", "warning"]
    first = cards[0].text
    assert "interference/AS_REPORTS" in first and "reported" in first and "Reuters said about 1,300" in first
    # A partial rewrite shows a visible badge and what it leaves; no suggestion shows why.
    badges = cards[1].find_elements(By.CSS_SELECTOR, ".partial-badge")
    assert len(badges) == 1 and badges[0].is_displayed() and badges[0].text.lower() == "partial"
    assert "Still to fix:" in cards[1].text and "calque" in cards[1].text
    assert not any(c.find_elements(By.CSS_SELECTOR, ".partial-badge") for c in (cards[0], cards[2], cards[3]))
    assert f"No suggestion: {NO_SUGGESTION_NOTE}" in cards[3].text
    # The page script ran (a CSP hash mismatch would have blocked it).
    assert driver.execute_script("return typeof window.mtcheckBaseline") == "function"


def test_keyboard_navigation_moves_focus_between_findings(report_page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = report_page[0]
    ids = _visible_ids(driver)
    driver.find_element(By.TAG_NAME, "h1").click()
    _press(driver, "j")
    assert _active_id(driver) == ids[0]
    _press(driver, "j")
    assert _active_id(driver) == ids[1]
    _press(driver, Keys.ARROW_DOWN)
    assert _active_id(driver) == ids[2]
    _press(driver, "n")
    assert _active_id(driver) == ids[3]
    _press(driver, "n")  # stays on the last one
    assert _active_id(driver) == ids[3]
    _press(driver, "k")
    assert _active_id(driver) == ids[2]
    _press(driver, Keys.ARROW_UP)
    assert _active_id(driver) == ids[1]
    _press(driver, "p")
    assert _active_id(driver) == ids[0]
    # Focus is visible: the focused card has an outline.
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    # The matching sentence in the article is highlighted as current.
    assert "current" in driver.find_element(By.CSS_SELECTOR, f'a.sent[data-card="{ids[0]}"]').get_attribute("class")
    # "a" accepts the focused finding, pressing it again takes the decision back.
    card = driver.find_element(By.ID, ids[0])
    _press(driver, "a")
    assert "decided-accepted" in card.get_attribute("class")
    assert driver.find_element(By.ID, "decision-count").text == "1"
    _press(driver, "a")
    assert "decided-accepted" not in card.get_attribute("class")
    assert driver.find_element(By.ID, "decision-count").text == "0"


def test_severity_and_signal_filters(report_page):
    from selenium.webdriver.common.by import By

    driver = report_page[0]
    all_ids = _visible_ids(driver)
    severity = driver.find_element(By.CSS_SELECTOR, '.filter-severity[value="warning"]')
    severity.click()
    assert len(_visible_ids(driver)) == 2
    assert all(driver.find_element(By.ID, i).get_attribute("data-severity") != "warning" for i in _visible_ids(driver))
    # Navigation skips hidden findings.
    driver.find_element(By.TAG_NAME, "h1").click()
    _press(driver, "j")
    _press(driver, "j")
    assert _active_id(driver) == _visible_ids(driver)[1]
    severity.click()
    assert _visible_ids(driver) == all_ids
    signal = driver.find_element(By.CSS_SELECTOR, '.filter-signal[value="languagetool"]')
    signal.click()
    visible = _visible_ids(driver)
    assert len(visible) == 2
    assert all("languagetool" not in driver.find_element(By.ID, i).get_attribute("data-signals") for i in visible)
    for box in driver.find_elements(By.CSS_SELECTOR, ".filter-signal"):
        if box.is_selected():
            box.click()
    assert _visible_ids(driver) == []
    assert driver.find_element(By.ID, "empty-filter").is_displayed()
    for box in driver.find_elements(By.CSS_SELECTOR, ".filter-signal"):
        box.click()
    assert _visible_ids(driver) == all_ids


def test_accept_dismiss_export_feeds_the_gate(report_page, tmp_path):
    from selenium.webdriver.common.by import By

    driver, _page, downloads, result = report_page
    cards = _cards(driver)
    decisions = {}
    for card, action in zip(cards, ["accepted", "dismissed", "accepted", "dismissed"]):
        card.find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]').click()
        decisions[card.get_attribute("data-fingerprint")] = action
        assert f"decided-{action}" in card.get_attribute("class")
    # Clicking the same button again undoes, clicking it once more redoes.
    toggle = cards[0].find_element(By.CSS_SELECTOR, 'button[data-action="accepted"]')
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert driver.find_element(By.ID, "decision-count").text == "4"

    driver.find_element(By.ID, "export-baseline").click()
    # Chromium drops the leading dot of a downloaded file's name (no hidden files from the web).
    names = (".mtcheck-baseline.json", "mtcheck-baseline.json")
    deadline = time.monotonic() + 20
    while not any((downloads / n).exists() for n in names) and time.monotonic() < deadline:
        time.sleep(0.1)
    found = [downloads / n for n in names if (downloads / n).exists()]
    assert found, f"no download in {list(downloads.iterdir())}"
    target = found[0]
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert {f["fingerprint"]: f["decision"] for f in data["findings"]} == decisions
    assert all(f["path"] == "news/story.md" and f["text"] for f in data["findings"])

    before = gate.exit_code([result], "info")
    assert before == 1
    fingerprints = gate.load_baseline(target)
    after = gate.apply_baseline([result], fingerprints)
    assert all(f.suppressed == "baseline" for f in after[0].findings if f.flagged)
    assert gate.exit_code(after, "info") == 0

    # Reports rendered from a baselined run start with those decisions, so a re-export keeps them.
    again = tmp_path / "again.html"
    again.write_text(render(after, "html", ReportOptions()), encoding="utf-8")
    driver.get(again.as_uri())
    exported = driver.execute_script("return window.mtcheckBaseline()")
    assert {f["fingerprint"] for f in exported["findings"]} == set(decisions)
    driver.get(_page.as_uri())


def test_hostile_article_text_runs_nothing(report_page):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    driver = report_page[0]
    driver.get(report_page[1].as_uri())
    time.sleep(0.3)
    assert driver.execute_script("return window.__mtcheckPwned === undefined")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    body = driver.find_element(By.TAG_NAME, "body").text
    assert XSS_SCRIPT in body and XSS_IMG in body
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors


def test_no_network_requests_and_screenshot(report_page):
    driver, page, _downloads, _result = report_page
    driver.get("about:blank")
    driver.get_log("performance")  # drop the events of earlier pages
    driver.get(page.as_uri())
    time.sleep(0.5)
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    allowed = {page.as_uri()}
    assert page.as_uri() in requested  # the log does see requests: the page itself
    unexpected = [url for url in requested if url not in allowed and not url.startswith(("blob:", "data:"))]
    assert unexpected == [], unexpected
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    shot = reports / "test-browser-report.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
