"""The review page in Debian's Chromium (the web tests' Playwright browser): no chart label is drawn outside its
picture, in English, whose labels are the longest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_review import REPORT, review_db, run  # noqa: F401 - the review store, played once per module


def test_no_label_of_the_english_review_is_clipped(review_db: str, tmp_path: Path, browser: Any) -> None:  # noqa: F811
    page = tmp_path / "review.en.html"
    assert run(*REPORT, "--db", review_db, "--lang", "en", "-o", str(page))[0] == 0
    tab = browser.new_page(viewport={"width": 1200, "height": 1600})
    tab.goto(page.as_uri())
    boxes = tab.eval_on_selector_all(
        "svg text[text-anchor=end]", "ts => ts.map(t => [t.textContent, t.getBBox().x, t.getBBox().width])"
    )
    tab.screenshot(path=str(tmp_path / "review.en.png"), full_page=True)
    print(f"review screenshot: {tmp_path / 'review.en.png'}")
    tab.close()
    assert len(boxes) >= 10
    clipped = [text for text, x, _ in boxes if x < 0]
    assert clipped == [], clipped
