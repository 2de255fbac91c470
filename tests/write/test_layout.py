"""Line roles from the shape of a document, and the quotable sentences of a passage read with its
whole document's layout (no model needed)."""

from __future__ import annotations

from sakuin.write.compose import candidates
from sakuin.write.layout import lines
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
