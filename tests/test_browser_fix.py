"""The HTML report as an editing surface, in headless Chromium: use a suggestion, edit a sentence,
keep one, download the edited article and export the decisions; `mtcheck fix --decisions` on the
original gives the same text as the download."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fix_fakes import fake_results

from conftest import error_line, run_main
from mtcheck.report import ReportOptions, render
from mtcheck.types import Candidate, Check
from test_browser import opened

pytestmark = pytest.mark.integration

ARTICLE = ("Talks in Aleppo\n\n"
           "As reports Reuters, more than 1.3 thousand militants\nlaid down arms.\n\n"
           "The opposition said so on 12.12.2016. According to the Agency, all fighters can leave.\n\n"
           "Earlier, Russian foreign Minister Sergei Lavrov said so.\n")
EDITED = "According to the agency, every fighter may leave."


def _wait_for(folder: Path, name: str) -> Path:
    deadline = time.monotonic() + 20
    while not (folder / name).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)  # let Chromium finish writing
    assert (folder / name).exists(), f"no {name} in {list(folder.iterdir())}"
    return folder / name


@pytest.fixture(scope="module")
def editing_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editing")
    article = folder / "story.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    [result] = fake_results([article])
    # One rejected LLM candidate to pick from.
    finding = result.findings[2]
    rejected = Candidate("llm", "The opposition confirmed it on December 12.", (Check("dates", False, "lost 2016"),))
    findings = list(result.findings)
    findings[2] = type(finding)(**{**finding.__dict__, "rewrite": type(finding.rewrite)(
        **{**finding.rewrite.__dict__, "candidates": (rejected,)})})
    result = type(result)(result.document, tuple(findings), result.score)
    page = folder / "report.html"
    page.write_text(render([result], "html", ReportOptions(exit_code=1)), encoding="utf-8")
    downloads = folder / "downloads"
    downloads.mkdir()
    with opened(page, downloads) as driver:
        yield driver, article, downloads


def test_choices_download_and_decisions_agree_with_mtcheck_fix(editing_page, tmp_path, monkeypatch, capsys):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver, article, downloads = editing_page
    cards = {c.find_element(By.CSS_SELECTOR, "blockquote.original").text: c for c in driver.find_elements(By.CSS_SELECTOR, ".finding")}
    reuters = next(c for t, c in cards.items() if t.startswith("As reports Reuters"))
    agency = next(c for t, c in cards.items() if t.startswith("According to the Agency"))
    lavrov = next(c for t, c in cards.items() if t.startswith("Earlier, Russian"))
    date = next(c for t, c in cards.items() if t.startswith("The opposition said"))

    # Keyboard: u on the focused finding uses the suggestion, o keeps the original.
    driver.execute_script("arguments[0].focus()", reuters)
    ActionChains(driver).send_keys("u").perform()
    assert reuters.find_element(By.CSS_SELECTOR, 'button[data-choice="suggestion"]').get_attribute("aria-pressed") == "true"
    driver.execute_script("arguments[0].focus()", lavrov)
    ActionChains(driver).send_keys("o").perform()
    assert lavrov.find_element(By.CSS_SELECTOR, 'button[data-choice="keep"]').get_attribute("aria-pressed") == "true"
    # Edit: the field opens prefilled with the suggestion, the live diff follows the typing.
    agency.find_element(By.CSS_SELECTOR, 'button[data-choice="edit"]').click()
    area = agency.find_element(By.CSS_SELECTOR, "textarea.edit-text")
    assert area.is_displayed() and area.get_attribute("value") == "According to the agency, all fighters can leave."
    area.clear()
    area.send_keys(EDITED)
    assert "every fighter may" in agency.find_element(By.CSS_SELECTOR, ".live-diff ins").text + \
        " ".join(e.text for e in agency.find_elements(By.CSS_SELECTOR, ".live-diff ins"))
    ActionChains(driver).send_keys("\ue00c").perform()  # Esc: back to the finding, the edit kept
    assert driver.switch_to.active_element.get_attribute("id") == agency.get_attribute("id")
    # A rejected candidate can be picked, and picked back.
    pick = date.find_element(By.CSS_SELECTOR, "button.choose-candidate")
    driver.execute_script("arguments[0].open = true", date.find_element(By.CSS_SELECTOR, "details.rejected"))
    pick.click()
    assert pick.get_attribute("aria-pressed") == "true"
    pick.click()
    assert pick.get_attribute("aria-pressed") == "false"
    assert driver.find_element(By.ID, "choice-count").text == "3"

    button = driver.find_element(By.CSS_SELECTOR, "button.download-article")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)  # clear of the sticky header
    button.click()
    downloaded = _wait_for(downloads, "story.edited.txt").read_text(encoding="utf-8")
    assert "As Reuters reports, more than 1,300 militants\nlaid down arms." in downloaded
    assert EDITED in downloaded and "Earlier, Russian foreign Minister" in downloaded
    driver.find_element(By.ID, "export-decisions").click()
    decisions = _wait_for(downloads, "mtcheck-decisions.json")
    data = json.loads(decisions.read_text(encoding="utf-8"))
    assert sorted(d["choice"] for d in data["documents"][0]["decisions"]) == ["edit", "keep", "suggestion"]

    out = tmp_path / "fixed.txt"
    code, _out, err = run_main(monkeypatch, capsys, "fix", str(article), "--decisions", str(decisions), "-o", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == downloaded
    assert article.read_text(encoding="utf-8") == ARTICLE

    # The same decisions for an article that changed since the report: refused whole.
    article.write_text(ARTICLE.replace("Talks in Aleppo", "Talks in Geneva"), encoding="utf-8")
    code, _out, err = run_main(monkeypatch, capsys, "fix", str(article), "--decisions", str(decisions))
    assert code == 2 and "another version of this article" in error_line(err)
    assert article.read_text(encoding="utf-8") == ARTICLE.replace("Talks in Aleppo", "Talks in Geneva")


def test_html_article_downloads_its_decisions(tmp_path):
    article = tmp_path / "story.html"
    article.write_text("<html><body><p>As reports <em>Reuters</em>, 1.3 thousand left.</p></body></html>\n", encoding="utf-8")
    page = render(fake_results([article]), "html", ReportOptions())
    data = json.loads(page.split('id="mtcheck-data">', 1)[1].split("</script>", 1)[0])
    assert data["documents"][0]["text"] is None and data["documents"][0]["format"] == "html"
    assert "decisions for mtcheck fix" in page
