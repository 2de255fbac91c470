"""The memorize page over real HTTP and in headless Chromium: the benchmark's curve and comparison,
and only the adapters the visitor may use. The screenshot goes to ``test-artifacts/memorize/``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import expect, sync_playwright

from sakuin.config import Settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.report import RESULTS
from sakuin.memorize.teach import Lesson, teach
from tests.memorize.conftest import FACTS, login
from tests.server.conftest import PASSWORD
from tests.server.test_browser import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "memorize"


@pytest.fixture
def results(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed benchmark results (the page reads the file the environment names)."""
    assert RESULTS.is_file(), "benchmarks/results/memorize.json is committed with the benchmark"
    monkeypatch.setenv("SAKUIN_MEMORIZE_RESULTS", str(RESULTS))
    return RESULTS


def test_the_memorize_page_shows_the_curve_and_only_usable_adapters(
    tiny_settings: Settings, kb: KnowledgeBase, live: tuple[FastAPI, str], results: Path
) -> None:
    _, url = live
    teach(
        tiny_settings, kb, FACTS, "alices-facts", "alice", lesson=Lesson(2),
        config=TrainConfig(rank=2, alpha=4, batch_size=4), progress=False,
    )  # fmt: skip
    assert httpx.get(f"{url}/memorize").status_code == 401
    page = login(url, "alice").get("/memorize", params={"lang": "en"})
    assert page.status_code == 200
    assert "alices-facts" in page.text and "<polyline" in page.text and "retrieval" in page.text
    assert "Recall against restatements" in page.text and "long_context" in page.text
    assert "alices-facts" not in login(url, "bob").get("/memorize").text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_context(locale="ja-JP", viewport={"width": 1200, "height": 900}).new_page()
        tab.goto(f"{url}/memorize")
        tab.fill('input[name="user"]', "alice")
        tab.fill('input[name="password"]', PASSWORD)
        tab.click('#login-form button[type="submit"]')
        expect(tab.locator("#whoami")).to_contain_text("alice")
        tab.goto(f"{url}/memorize")
        expect(tab.locator("#memorize-curve svg polyline").first).to_be_visible()
        expect(tab.locator("#memorize-adapters")).to_contain_text("alices-facts")
        expect(tab.locator("header nav")).to_contain_text("記憶")
        tab.screenshot(path=str(ARTIFACTS / "memorize-ja.png"), full_page=True)
        browser.close()
