"""End to end in headless Chromium (Debian's, driven by Playwright): log in, upload by drag and
drop, see it listed, search and find it; another user who is not a reader finds nothing; and the
issue's writing scenario over the example company (refused → upload → cited answer → passage;
bob refused); and the Classify and Simulate pages run their jobs to results. Screenshots go to
``test-artifacts/server/``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sakuin.server.demo import EXAMPLE_WORKSPACE
from tests.server.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "server"
LAUNCH_NOTE = "漆黒の翼プロジェクトは十月に試作機を完成させる。"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "install Debian's chromium (make setup does: apt-get install -y chromium)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(browser: Browser, live: LiveServer, user: str, locale: str) -> Page:
    page = browser.new_context(locale=locale, viewport={"width": 1200, "height": 900}).new_page()
    page.goto(f"{live.url}/knowledge")
    page.fill('input[name="user"]', user)
    page.fill('input[name="password"]', live.password(user))
    page.click('#login-form button[type="submit"]')
    expect(page.locator("#whoami")).to_contain_text(user)
    return page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_upload_list_search_and_permissions_in_a_browser(browser: Browser, live: LiveServer) -> None:
    anonymous = browser.new_context().new_page()
    reply = anonymous.goto(f"{live.url}/knowledge")
    assert reply is not None and reply.status == 401
    shot(anonymous, "00-login")

    alice = log_in(browser, live, "alice", "ja-JP")
    expect(alice.locator("header nav")).to_contain_text("ナレッジ")  # Japanese UI for a Japanese browser
    shot(alice, "01-alice-knowledge")

    # drag and drop a file onto the drop zone, as a person would from their desktop
    transfer = alice.evaluate_handle(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "raven.md", { type: "text/markdown" }));
            return transfer;
        }""",
        f"# 漆黒の翼\n\n{LAUNCH_NOTE}\n",
    )
    alice.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    expect(alice.locator("#chosen-files")).to_contain_text("raven.md")
    alice.fill('#upload-form input[name="readers"]', "user:alice")
    alice.click('#upload-form button[type="submit"]')
    expect(alice.locator("#documents")).to_contain_text("漆黒の翼")
    shot(alice, "02-alice-uploaded")

    alice.fill('#search-form input[name="q"]', "試作機はいつ完成しますか")
    alice.click('#search-form button[type="submit"]')
    expect(alice.locator("#search-results li").first).to_contain_text("十月に試作機")
    shot(alice, "03-alice-search")
    alice.locator("#search-results .citation").first.click()  # the passage, in its document
    expect(alice.locator("dialog#passage mark")).to_contain_text("十月に試作機を完成させる")
    expect(alice.locator("dialog#passage .source")).to_have_text(re.compile(r"^raven\.md \d+-\d+$"))
    shot(alice, "03b-alice-passage")
    alice.locator("dialog#passage button").click()

    bob = log_in(browser, live, "bob", "en-US")
    expect(bob.locator("header nav")).to_contain_text("Knowledge")
    expect(bob.locator("body")).not_to_contain_text("漆黒の翼")
    bob.fill('#search-form input[name="q"]', "試作機はいつ完成しますか")
    bob.click('#search-form button[type="submit"]')
    expect(bob.locator("#search-results")).to_contain_text("No readable document matches")
    shot(bob, "04-bob-search")


def test_bulk_ingest_job_from_the_jobs_page(browser: Browser, live: LiveServer, tmp_path: Path) -> None:
    files = []
    for i in range(5):
        path = tmp_path / f"report-{i}.txt"
        path.write_text(f"週報{i}: 出荷台数は{i * 100}台でした。", encoding="utf-8")
        files.append(str(path))
    alice = log_in(browser, live, "alice", "en-US")
    alice.goto(f"{live.url}/jobs")
    alice.set_input_files("#job-files", files)
    alice.fill('#ingest-job-form input[name="readers"]', "group:sales")
    alice.click('#ingest-job-form button[type="submit"]')
    row = alice.locator("#jobs tbody tr").first
    expect(row.locator(".status")).to_have_text("done", timeout=60_000)
    expect(row).to_contain_text("5/5")
    expect(row.locator("a")).to_have_text("report.json")
    shot(alice, "05-alice-jobs")
    carol = log_in(browser, live, "carol", "en-US")  # in sales, so she reads them at once
    expect(carol.locator("#documents")).to_contain_text("report-3")


WRITE_REQUEST = "ホシゾラ X3 の営業向け紹介文を書いてください。"


def ask(page: Page, live: LiveServer, request: str) -> None:
    page.goto(f"{live.url}/write")
    page.fill('#write-form textarea[name="request"]', request)
    page.click('#write-form button[type="submit"]')
    expect(page.locator("#write-output")).not_to_have_attribute("data-state", "writing", timeout=300_000)


def test_write_refuse_upload_answer_cite_in_a_browser(
    browser: Browser, make_server: Callable[..., LiveServer]
) -> None:
    company = make_server(company=True)
    alice = log_in(browser, company, "alice", "ja-JP")
    # a reader sees each document's path inside the workspace, not the server's folder
    expect(alice.locator("#documents")).to_contain_text("documents/products/kumo-arm-r2.md")
    expect(alice.locator("body")).not_to_contain_text(str(EXAMPLE_WORKSPACE))
    shot(alice, "09-alice-knowledge-names")
    admin = log_in(browser, company, "admin", "ja-JP")
    expect(admin.locator("#documents")).to_contain_text(str(EXAMPLE_WORKSPACE / "documents"))
    shot(admin, "09b-admin-knowledge-sources")

    ask(alice, company, WRITE_REQUEST)
    expect(alice.locator("#write-output")).to_have_attribute("data-state", "refused")
    expect(alice.locator("#write-refused")).to_be_visible()
    expect(alice.locator("#write-answer")).to_contain_text("「ホシゾラ X3」についての情報がありません")
    shot(alice, "10-alice-write-refused")

    alice.goto(f"{company.url}/knowledge")
    alice.set_input_files("#upload-files", str(EXAMPLE_WORKSPACE / "held_back" / "hoshizora-x3.md"))
    alice.fill('#upload-form input[name="readers"]', "group:sales")
    alice.click('#upload-form button[type="submit"]')
    expect(alice.locator("#documents")).to_contain_text("ホシゾラ X3")
    shot(alice, "11-alice-uploaded-hoshizora")

    ask(alice, company, WRITE_REQUEST)
    expect(alice.locator("#write-output")).to_have_attribute("data-state", "written")
    expect(alice.locator("#write-refused")).to_be_hidden()
    expect(alice.locator("#write-used")).to_contain_text(
        re.compile(r"(rag|long-context), (extractive|abstractive)")
    )
    expect(alice.locator("#write-sources")).to_contain_text("hoshizora-x3.md")
    expect(alice.locator("#write-sources")).not_to_contain_text("upload:")
    shot(alice, "12-alice-write-answer")
    alice.locator("#write-answer a.cite").first.click()  # the citation opens its passage
    dialog = alice.locator("dialog#passage")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".title")).to_contain_text("ホシゾラ X3")
    expect(dialog.locator(".source")).to_contain_text("hoshizora-x3.md")
    assert dialog.locator("mark").inner_text().strip()
    shot(alice, "13-alice-citation-passage")
    dialog.locator("button").click()

    bob = log_in(browser, company, "bob", "ja-JP")
    ask(bob, company, WRITE_REQUEST)
    expect(bob.locator("#write-output")).to_have_attribute("data-state", "refused")
    expect(bob.locator("#write-answer")).to_contain_text("「ホシゾラ X3」についての情報がありません")
    expect(bob.locator("#write-sources li")).to_have_count(0)
    shot(bob, "14-bob-write-refused")


REVIEWS_CSV = (
    "id,review\n"
    '1,"Absolutely love it, works perfectly."\n'
    "2,最悪です。すぐに壊れて返品しました。\n"
    "3,最高の買い物でした。毎日使っています。\n"
    '4,"Terrible. It broke after one day, and support never answered."\n'
)
FINISHED = re.compile(r"^(done|failed|cancelled)$")


def test_classify_and_simulate_pages_in_a_browser(browser: Browser, live: LiveServer, tmp_path: Path) -> None:
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(REVIEWS_CSV, encoding="utf-8")
    alice = log_in(browser, live, "alice", "en-US")
    alice.click("header nav >> text=Classify")
    expect(alice).to_have_url(re.compile(r"/classify$"))
    alice.set_input_files("#classify-file", str(reviews))
    alice.fill('#classify-form input[name="labels"]', "positive,negative")
    alice.fill('#classify-form input[name="instruction"]', "Is the review positive or negative?")
    alice.fill('#classify-form input[name="text_column"]', "review")
    alice.select_option('#classify-form select[name="engine"]', "score")
    alice.click('#classify-form button[type="submit"]')
    expect(alice.locator("#job-view")).to_be_visible()
    shot(alice, "20-alice-classify-running")
    view = alice.locator("#job-view")
    expect(view).to_have_attribute("data-status", FINISHED, timeout=600_000)
    expect(view).to_have_attribute("data-status", "done")  # a failure shows its error in the screenshot
    predicted = alice.locator("#labelled tbody td.predicted")
    expect(predicted).to_have_count(4)
    assert {text.strip() for text in predicted.all_inner_texts()} <= {"positive", "negative"}
    expect(alice.locator("#labelled thead")).to_contain_text("p_positive")
    probability = alice.locator("#labelled tbody tr").first.locator("td").nth(3).inner_text()
    assert 0 <= float(probability) <= 1 and len(probability) <= 6, probability  # shown rounded
    expect(alice.locator("#labelled tbody")).to_contain_text("最悪です")
    expect(alice.locator("#labelled-download")).to_have_attribute("href", re.compile(r"labelled\.csv$"))
    chart = alice.locator("#labels-chart")
    expect(chart).to_be_visible()
    chart.evaluate(  # the PNG really loads
        "(img) => img.decode().then(() => img.naturalWidth)"
    )
    assert chart.evaluate("(img) => img.naturalWidth") > 0
    shot(alice, "21-alice-classify-results")

    alice.click("header nav >> text=Simulate")
    alice.fill('#simulate-form textarea[name="request"]', "Compute the bulk modulus of copper with EMT")
    alice.select_option('#simulate-form select[name="calculator"]', "emt")
    alice.click('#simulate-form button[type="submit"]')
    expect(alice.locator("#job-view")).to_be_visible()
    expect(view).to_have_attribute("data-status", FINISHED, timeout=600_000)
    shot(alice, "22-alice-simulate-results")
    expect(view).to_have_attribute("data-status", "done")
    expect(alice.locator("#simulate-rows thead")).to_contain_text("bulk_modulus_GPa")
    header = alice.locator("#simulate-rows thead th").all_inner_texts()
    cells = alice.locator("#simulate-rows tbody tr").first.locator("td").all_inner_texts()
    bulk_modulus = float(cells[header.index("bulk_modulus_GPa")])
    assert 100 < bulk_modulus < 180, bulk_modulus  # copper's EMT bulk modulus, about 134 GPa
    expect(alice.locator("#simulate-script")).to_contain_text("from ase")
    expect(alice.locator("#script-download")).to_be_visible()


def test_vision_page_and_a_scans_passage_in_a_browser(
    browser: Browser, live: LiveServer, tmp_path: Path
) -> None:
    """Detect people in the astronaut photo, ask a question with no vision server configured, then
    open a scanned page's passage: its page and box are shown with the text read there."""
    from PIL import Image
    from skimage import data

    from tests.vision.pages import POLICY_JA, render_page

    alice = log_in(browser, live, "alice", "ja-JP")
    alice.goto(f"{live.url}/vision")
    photo = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)
    alice.set_input_files('#vision-form input[name="image"]', str(photo))
    alice.fill('#vision-form input[name="prompt"]', "人を検出して")
    alice.fill('#vision-form input[name="question"]', "この人は何をしていますか？")
    alice.click('#vision-form button[type="submit"]')
    expect(alice.locator("#vision-detections li").first).to_contain_text("person")
    expect(alice.locator("#vision-mapping")).to_contain_text("人 → person")
    expect(alice.locator("#vision-answer")).to_contain_text("視覚言語モデルが必要です")
    alice.wait_for_function("document.getElementById('vision-boxed').naturalWidth === 512")
    shot(alice, "20-alice-vision")

    scan = tmp_path / "remote-work-policy.png"
    render_page(POLICY_JA).save(scan)
    alice.goto(f"{live.url}/knowledge")
    alice.set_input_files('#upload-form input[type="file"]', str(scan))
    alice.fill('#upload-form input[name="readers"]', "user:alice")
    alice.click('#upload-form button[type="submit"]')
    expect(alice.locator("#documents")).to_contain_text("remote-work-policy", timeout=60_000)
    alice.fill('#search-form input[name="q"]', "在宅勤務は週何日まで認められますか")
    alice.click('#search-form button[type="submit"]')
    alice.locator("#search-results .citation").first.click()
    expect(alice.locator("dialog#passage mark")).to_contain_text("週三日")
    expect(alice.locator("dialog#passage .source")).to_have_text(
        re.compile(r"^remote-work-policy\.png \d+-\d+, p\. 1 \(\d+,\d+-\d+,\d+ of 1240x880\)$")
    )
    shot(alice, "21-alice-scan-passage")
