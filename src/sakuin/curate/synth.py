"""Synthetic training text: documents rewritten by the model, each with provenance, then judged.

Three styles (after Cosmopedia and "Textbooks are all you need"): ``textbook`` (the content
explained as a textbook passage), ``qa`` (a question the text answers, and its answer) and
``paraphrase`` (the same content in other words, for knowledge injection). Prompts are
completion-style, so they work with the default pretrained model as well as instruction models,
and are written in the source's language (Japanese or English).

Every synthetic record says where it came from: the source record's id and line, the generator
model, the style and the exact prompt. Fields that govern access (``readers``, ``document``) are
copied from the source: whatever is derived from a document keeps that document's readers. For
knowledge-base documents, :func:`kb_sources` reads only what the asking user may read, through
the store's one permission filter, and records each document's readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sakuin.curate.judge import Judge
from sakuin.curate.records import LINE, CurateError, Record
from sakuin.curate.text import is_japanese, paragraphs
from sakuin.knowledge.store.base import Store
from sakuin.models.base import LanguageModel

CARRIED = ("readers", "document", "name")  # access and origin fields a rewrite inherits
PROMPTS: dict[str, dict[str, str]] = {
    "textbook": {
        "ja": "次の文章の内容を、教科書の一節のように分かりやすく説明し直す。\n\n"
        "文章：{text}\n\n教科書の説明：",
        "en": "Rewrite the content of the text below as a clear textbook passage.\n\n"
        "Text: {text}\n\nTextbook passage:",
    },
    "qa": {
        "ja": "次の文章を読んで、文章から答えられる質問とその答えを一つ書く。\n\n文章：{text}\n\n質問：",
        "en": "Read the text below and write one question it answers, then the answer.\n\n"
        "Text: {text}\n\nQuestion:",
    },
    "paraphrase": {
        "ja": "次の文章を、意味を変えずに別の言葉で言い換える。\n\n元の文章：{text}\n\n言い換え：",
        "en": "Say the text below again in other words, keeping its meaning.\n\nText: {text}\n\nParaphrase:",
    },
}
LEADS = {"qa": {"ja": "質問：", "en": "Question:"}}  # the prompt's last words begin the output
STYLES = tuple(PROMPTS)


@dataclass(frozen=True)
class SynthOptions:
    """How rewrites are generated; ``max_source_chars`` of a source go into the prompt."""

    styles: tuple[str, ...] = ("textbook",)
    max_tokens: int = 192
    temperature: float = 0.0
    seed: int = 0
    max_source_chars: int = 800

    def __post_init__(self) -> None:
        unknown = sorted(set(self.styles) - set(STYLES))
        if unknown or not self.styles:
            raise CurateError(
                f"unknown synth style(s) {unknown or 'none given'}; the styles are {list(STYLES)}."
            )


def prompt_for(style: str, text: str, max_chars: int) -> str:
    lang = "ja" if is_japanese(text) else "en"
    return PROMPTS[style][lang].format(text=" ".join(text[:max_chars].split()))


def rewrite(
    model: LanguageModel, source: Record, style: str, options: SynthOptions, text_field: str
) -> Record:
    """One synthetic record made from ``source`` in ``style``, with its provenance."""
    text = str(source[text_field])
    prompt = prompt_for(style, text, options.max_source_chars)
    done = model.generate(
        prompt,
        max_tokens=options.max_tokens,
        temperature=options.temperature,
        stop=["\n\n\n"],
        seed=options.seed,
    )
    lead = LEADS.get(style, {}).get("ja" if is_japanese(text) else "en", "")
    source_id = str(source.get("id", f"line:{source.get(LINE, '?')}"))
    made: Record = {
        "id": f"{source_id}:{style}",
        text_field: (lead + done.text).strip(),
        "style": style,
        "source_id": source_id,
        "source_line": source.get(LINE),
        "generator": model.name,
        "prompt": prompt,
        "finish_reason": done.finish_reason,
    }
    made |= {key: source[key] for key in CARRIED if key in source}
    return made


def synthesize(
    model: LanguageModel,
    sources: Sequence[Record],
    options: SynthOptions,
    *,
    text_field: str = "text",
    judge: Judge | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Record]:
    """A rewrite of every source in every style, each judged when a judge is given."""
    made: list[Record] = []
    total = len(sources) * len(options.styles)
    for source in sources:
        for style in options.styles:
            made.append(rewrite(model, source, style, options, text_field))
            if progress:
                progress(len(made), total)
    if judge is not None:
        result = judge.judge([str(r[text_field]) or " " for r in made])
        for i, record in enumerate(made):
            record.update(result.fields(i, judge.rubric.grade_names, "quality"))
    return made


def kb_sources(store: Store, user: str, *, name_prefix: str = "", max_chars: int = 800) -> list[Record]:
    """Passages of the knowledge-base documents ``user`` may read, each with its document's readers.

    Documents are cut at paragraph boundaries into passages of at most about ``max_chars``.
    """
    found: list[Record] = []
    for document in store.documents(user):
        if name_prefix and not document.name.startswith(name_prefix):
            continue
        readers = sorted(str(r) for r in document.readers)
        for k, passage in enumerate(_passages(store.document_text(document.id, user), max_chars)):
            found.append(
                {
                    "id": f"doc:{document.id}#{k}",
                    "text": passage,
                    "document": document.id,
                    "name": document.name,
                    "readers": readers,
                    LINE: len(found) + 1,
                }
            )
    return found


def _passages(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for block in paragraphs(text):
        if out and len(out[-1]) + len(block) + 1 <= max_chars:
            out[-1] += "\n" + block
        else:
            out.append(block)
    return out
