"""Line roles from the shape of a document, and the quotable sentences of a passage read with its
whole document's layout (no model needed)."""

from __future__ import annotations

from sakuin.write.compose import candidates
from sakuin.write.layout import is_bare_reply, lines
from sakuin.write.request import read_request
from sakuin.write.sources import Source
from tests.write.conftest import KAEDE

DOCUMENTS = KAEDE / "documents"


def read(path: str) -> str:
    return (DOCUMENTS / path).read_text(encoding="utf-8")


def roles(text: str) -> list[tuple[str, str]]:
    return [(line.role, text[line.start : line.end]) for line in lines(text)]


def role_of(found: list[tuple[str, str]], start: str) -> str:
    return next(role for role, text in found if text.startswith(start))


def test_metadata_and_page_furniture_in_both_languages() -> None:
    ja, en = roles(read("products/minamo-w2.md")), roles(read("products/hotaru-l1.md"))
    assert role_of(ja, "作成：製品企画部") == "metadata"
    assert role_of(en, "Owner: Product Planning") == "metadata"
    assert role_of(roles(read("hr/business-travel-policy.md")), "Document number") == "metadata"
    assert role_of(ja, "© 2025") == role_of(ja, "- 1 -") == role_of(en, "Page 1 of 1") == "furniture"
    assert role_of(ja, "**ミナモ W2**") == "prose"


def test_list_items_keep_their_block() -> None:
    items = [line for line in lines(read("products/hotaru-l1.md")) if line.role == "item"]
    assert len(items) == 4 and {line.marker for line in items} == {"1.", "2.", "3.", "4."}
    assert len({line.block for line in items}) == 1


def test_an_faq_question_is_the_context_of_its_answer() -> None:
    text = read("support/minamo-faq.md")
    found = list(lines(text))
    answers = [line for line in found if line.role == "answer"]
    assert text[answers[0].start : answers[0].end].startswith("6 か月に 1 回")  # the "A：" label left out
    assert answers[0].question.startswith("フィルターは")
    under_heading = next(line for line in answers if text[line.start :].startswith("はい、取り付け"))
    assert under_heading.question == "賃貸住宅でも取り付けられますか？"
    assert all(line.role != "answer" for line in found if text[line.start : line.end].endswith("？"))


def passage(text: str, start: int, end: int) -> Source:
    return Source(1, 7, "ミナモ W2 よくある質問", "minamo-faq.md", start, end, text[start:end])


def test_a_passage_cut_mid_line_is_read_with_its_whole_document() -> None:
    """A passage that starts inside an answer line, below its question: the cut answer is not
    quoted as a fragment, and the next answer still knows its question."""
    text = read("support/minamo-faq.md")
    cut = text.index("交換用フィルター KF-2")  # the second sentence of the first answer
    source = passage(text, cut, len(text))
    found = candidates(read_request("本体の外側の掃除のしかたは？"), [source], {7: text})
    assert found and all(source.start <= s.start < s.end <= source.end for s in found)
    assert not any("KF-2" in s.text for s in found)
    cleaning = next(s for s in found if s.text.startswith("柔らかい布"))
    assert cleaning.question == "本体の外側はどう掃除しますか？"
    assert not any(s.text.endswith("？") for s in found)  # no question line is a candidate


def test_a_tables_rows_are_list_items_and_its_header_a_heading() -> None:
    text = read("products/minamo-w2.md")
    found = list(lines(text))
    header = next(line for line in found if text[line.start : line.end].startswith("| 項目"))
    rows = [line for line in found if line.marker == "|"]
    assert header.role == "heading"
    assert [text[line.start : line.end].split("|")[1].strip() for line in rows[:2]] == ["本体寸法", "重量"]
    assert {line.role for line in rows} == {"item"} and len({line.block for line in rows}) == 1
    source = Source(1, 3, "ミナモ W2 製品概要", "minamo-w2.md", 0, len(text), text)
    quoted = candidates(read_request("ミナモ W2 の重量は？"), [source], {3: text})
    assert "重量: 11 kg" in [s.text for s in quoted] and all(not s.text.startswith("項目") for s in quoted)


def test_a_writing_task_quotes_an_faq_answer_without_its_bare_reply() -> None:
    """ "No." and "Not yet." say nothing without their question: a writing task leaves them out,
    a question keeps the answer whole; an answer reads as prose, never as a list item."""
    assert is_bare_reply("No.") and is_bare_reply("Not yet.") and is_bare_reply("はい。")
    assert not is_bare_reply("The lamp stands on a desk.") and not is_bare_reply("6 か月に 1 回交換します。")
    text = read("support/hotaru-faq.md")
    source = Source(1, 5, "Hotaru L1 FAQ", "hotaru-faq.md", 0, len(text), text)
    written = [
        s.text
        for s in candidates(read_request("Write an introduction to the Hotaru L1."), [source], {5: text})
    ]
    asked = candidates(read_request("Can the Hotaru L1 be mounted on a wall?"), [source], {5: text})
    assert "The Hotaru L1 is made to stand on a desk; a wall bracket is not offered." in written
    assert not any(s.startswith(("No.", "Not yet.")) for s in written)
    assert any(s.text.startswith("No. The Hotaru L1 is made to stand") for s in asked)
    assert all(s.marker == "" for s in asked if s.question)
