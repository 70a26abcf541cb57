"""The seed report as an editor uses it: `mtcheck check --html`, review in Chromium, export a baseline, re-run."""

from __future__ import annotations

import json
import time

import pytest

from conftest import ROOT, SEED_MT
from test_browser import _cards, opened
from test_cli_check import mtcheck

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory, seed_checked):
    page, data = seed_checked.page, seed_checked.data
    assert seed_checked.returncode == 1, seed_checked.stderr
    downloads = tmp_path_factory.mktemp("seed-report") / "downloads"
    downloads.mkdir()
    with opened(page, downloads) as driver:
        yield driver, json.loads(data.read_text()), downloads


def test_seed_report_shows_every_flagged_sentence_with_rewrite_and_reference(seed_report):
    from selenium.webdriver.common.by import By

    driver, data, _ = seed_report
    (document,) = data["documents"]
    flagged = [s for s in document["sentences"] if s["flagged"]]
    cards = _cards(driver)
    assert len(cards) == len(flagged) >= 10
    page_text = driver.find_element(By.TAG_NAME, "body").text
    assert "As reports Reuters" in page_text
    # The reference comparison and at least one verified rewrite reach the editor.
    assert any(s.get("alignment", {}).get("aligned") for s in flagged)
    assert any((s.get("rewrite") or {}).get("text") for s in flagged)
    # Each card agrees with the JSON on its rewrite: a partial one is badged, a missing one says why.
    for sentence, card in zip(flagged, cards):
        rewrite = sentence.get("rewrite")
        if rewrite is None:
            continue
        assert {"partial", "remaining", "note"} <= set(rewrite)
        badges = card.find_elements(By.CSS_SELECTOR, ".partial-badge")
        assert len(badges) == (1 if rewrite["partial"] else 0), card.text
        if rewrite["text"] is None:
            assert "No suggestion:" in card.text, card.text
            if rewrite["note"]:
                assert " ".join(rewrite["note"].split()) in card.text
    shots = ROOT / "reports"
    shots.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(shots / "seed-000.png"))


def test_decisions_exported_from_the_seed_report_make_the_next_run_pass(seed_report, tmp_path):
    from selenium.webdriver.common.by import By

    driver, _data, downloads = seed_report
    for card in _cards(driver):
        card.find_element(By.CSS_SELECTOR, 'button[data-action="accepted"]').click()
    driver.find_element(By.ID, "export-baseline").click()
    names = (".mtcheck-baseline.json", "mtcheck-baseline.json")
    deadline = time.monotonic() + 20
    while not any((downloads / n).exists() for n in names) and time.monotonic() < deadline:
        time.sleep(0.1)
    found = [downloads / n for n in names if (downloads / n).exists()]
    assert found, "the report exported no baseline"
    baseline = tmp_path / ".mtcheck-baseline.json"
    baseline.write_bytes(found[0].read_bytes())

    proc = mtcheck("check", str(SEED_MT), "--no-rewrite", "--fail-on", "warning", "--baseline", str(baseline))
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
