"""Scans and images into the knowledge base through OCR: found by a Japanese query, cited by write,
invisible to a user who may not read them. Needs Tesseract with jpn, jpn_vert and eng (installed by
`make setup`): without it these tests fail, they never skip."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from sakuin.embeddings import Embedder
from sakuin.knowledge.access import Reader
from sakuin.knowledge.ocr import locate, require_tesseract
from sakuin.knowledge.parse import ParsedDocument, ParseError, parse_file
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.write import write
from tests.knowledge.conftest import open_kb
from tests.vision.pages import POLICY_JA, ink_boxes, render_page, render_vertical, save_pdf

QUERY = "在宅勤務は週何日まで認められますか？"


def with_hr(kb: KnowledgeBase) -> KnowledgeBase:
    kb.store.add_user("hana")
    kb.store.add_user("taro")
    kb.store.add_group("hr", ["hana"])
    return kb


@pytest.fixture
def hr_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """On both stores: the permission filter of each is what keeps taro out."""
    return with_hr(kb)


@pytest.fixture
def sqlite_kb(tmp_path: Path, embedder: Embedder, request: pytest.FixtureRequest) -> Iterator[KnowledgeBase]:
    """Failures happen before the store is touched, so one backend shows it."""
    with open_kb("sqlite", tmp_path / "data", embedder, request) as base:
        yield with_hr(base)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    page = render_page(POLICY_JA)
    page.save(folder / "policy.png")
    cover = render_page(["人事部 社内規程集", "2026年版"])
    save_pdf([cover, page], folder / "policy-scan.pdf")
    return {"png": folder / "policy.png", "pdf": folder / "policy-scan.pdf"}


@pytest.fixture(scope="module")
def parsed(scans: dict[str, Path]) -> dict[str, ParsedDocument]:
    """Each scan read once for the module (OCR is the slow part); ingest_path is tested below."""
    return {kind: parse_file(path)[0] for kind, path in scans.items()}


def test_tesseract_is_installed_with_japanese() -> None:
    require_tesseract()  # fails (not skips) where the set-up forgot the apt packages


def test_a_rendered_page_is_read_with_its_lines_boxes(parsed: dict[str, ParsedDocument]) -> None:
    document = parsed["png"]
    assert "在宅勤務は週三日まで認められます。" in document.text
    assert document.media_type == "image/png"
    start = document.text.index("週三日")
    [region] = locate(document.metadata, start, start + 3)
    assert region.page == 1
    left, top, right, bottom = ink_boxes(POLICY_JA)[1]  # where the line was drawn
    box = region.box
    assert abs(box.top - top) <= 6 and abs(box.bottom - bottom) <= 6 and abs(box.left - left) <= 6
    assert abs(box.right - right) <= 30  # the ink of a final 。 is a dot in the corner of its cell


def test_an_image_only_pdf_is_read_page_by_page(parsed: dict[str, ParsedDocument]) -> None:
    document = parsed["pdf"]
    assert document.text.startswith("## p. 1\n\n")
    second = document.text.index("## p. 2")
    assert "社内規程集" in document.text[:second]
    assert "週三日" in document.text[second:]
    start = document.text.index("週三日")
    assert [r.page for r in locate(document.metadata, start, start + 3)] == [2]
    assert document.metadata["ocr_pages"] == "1,2"


def test_scans_are_found_cited_and_kept_from_non_readers(
    hr_kb: KnowledgeBase,
    scans: dict[str, Path],
    parsed: dict[str, ParsedDocument],
    gemma_llama: LlamaCppModel,
) -> None:
    hr = frozenset({Reader("group", "hr")})
    for kind, document in parsed.items():
        assert hr_kb.ingestor.ingest_document(document, hr, name=scans[kind].name).status == "added"
    hits = hr_kb.search(QUERY, "hana", k=5)
    assert {h.name for h in hits[:2]} == {"policy.png", "policy-scan.pdf"}
    assert "週三日" in hits[0].text
    pdf_hit = next(h for h in hits if h.name == "policy-scan.pdf")
    assert pdf_hit.headings == ("p. 2",)  # the chunk says which page it is on
    assert hr_kb.search(QUERY, "taro", k=5) == []

    result = write(hr_kb, gemma_llama, QUERY, "hana")
    assert not result.refused
    cited = {result.sources[n - 1].source for n in result.cited}
    assert cited & {"policy.png", "policy-scan.pdf"}
    assert "三日" in result.text
    # a citation of a scan says where to look: the page, and a box around the line drawn there
    pages = {"policy.png": 1, "policy-scan.pdf": 2}
    for n in result.cited:
        source = result.sources[n - 1]
        assert source.regions, f"{source.source}: a scan's citation without a page"
        if (
            "週三日" in source.text
        ):  # the box holds the line drawn there (a PDF page is read at its own scale)
            region = next(r for r in source.regions if r.page == pages[source.source])
            scale = region.page_size[0] / 1240
            left, top, _, bottom = (round(v * scale) for v in ink_boxes(POLICY_JA)[1])
            box, slack = region.box, 6 * scale
            assert box.left <= left + slack and box.top <= top + slack and box.bottom >= bottom - slack
    assert result.to_json()["sources"][0]["regions"][0]["box"].keys() == {"left", "top", "right", "bottom"}
    nothing = write(hr_kb, gemma_llama, QUERY, "taro")
    assert nothing.refused and not nothing.sources


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.png", b"this is not a picture", "not an image"),
        ("blank.png", None, "no readable text"),
        ("cut.png", "truncated", "truncated or corrupt"),
    ],
)
def test_bad_images_fail_with_the_reason_and_touch_nothing(
    sqlite_kb: KnowledgeBase,
    parsed: dict[str, ParsedDocument],
    tmp_path: Path,
    name: str,
    data: object,
    says: str,
) -> None:
    everyone = frozenset({Reader("everyone")})
    assert sqlite_kb.ingestor.ingest_document(parsed["png"], everyone).status == "added"
    bad = tmp_path / name
    if data is None:
        Image.new("L", (600, 400), 255).save(bad)
    elif data == "truncated":
        buffer = io.BytesIO()
        render_page(POLICY_JA).save(buffer, "PNG")
        bad.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    else:
        assert isinstance(data, bytes)
        bad.write_bytes(data)
    before = [(d.id, d.content_hash) for d in sqlite_kb.store.documents()]
    [result] = sqlite_kb.ingestor.ingest_path(bad, everyone).results
    assert result.status == "failed" and says in result.reason
    assert [(d.id, d.content_hash) for d in sqlite_kb.store.documents()] == before


def test_an_animated_gif_gives_its_first_frame_and_says_so(tmp_path: Path) -> None:
    frames = [render_page(POLICY_JA).convert("P"), render_page(["二枚目のフレーム"]).convert("P")]
    path = tmp_path / "slides.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=500)
    [document] = parse_file(path)
    assert "週三日" in document.text and "二枚目" not in document.text
    assert "only the first frame was read" in document.metadata["notes"]


def test_a_huge_image_is_scaled_down_with_a_note(tmp_path: Path) -> None:
    from sakuin.knowledge.ocr import MAX_SIDE, load_image

    path = tmp_path / "huge.png"
    Image.new("L", (MAX_SIDE * 2, 300), 255).save(path)
    loaded = load_image(path, path.read_bytes())
    assert max(loaded.image.size) == MAX_SIDE
    assert "scaled down" in loaded.notes[0]
    with pytest.raises(ParseError, match="no readable text"):
        parse_file(path)


def test_sakuin_ingest_reads_a_scan_and_reports_a_blank_one(tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.conftest import sakuin_command

    folder = tmp_path / "inbox"
    folder.mkdir()
    render_page(POLICY_JA).save(folder / "policy.webp")
    Image.new("L", (400, 300), 255).save(folder / "blank.tiff")
    env = {**os.environ, "SAKUIN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    done = subprocess.run(
        [*sakuin_command(), "ingest", str(folder), "--readers", "everyone"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1  # one file failed
    assert "blank.tiff: no readable text" in done.stderr.replace("\n", "")
    assert "1 added" in done.stdout + done.stderr


def test_vertical_japanese_is_read_top_to_bottom(tmp_path: Path) -> None:
    path = tmp_path / "tategaki.png"
    render_vertical(["在宅勤務は週三日まで認められます", "申請は前日までに上長へ提出する"]).save(path)
    [document] = parse_file(path)
    assert "在宅勤務は週三日まで認められます" in document.text
    assert document.text.index("在宅") < document.text.index("申請")  # right column first
    assert document.metadata["ocr"] == "tesseract jpn_vert+eng"
