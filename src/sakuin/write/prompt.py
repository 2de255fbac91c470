"""The prompt for writing freely from numbered sources, for base and instruction models alike."""

from __future__ import annotations

from sakuin.models import LanguageModel, Message
from sakuin.models.base import Prompt
from sakuin.prompts import GROUNDED_EXAMPLE, GROUNDED_LABELS, GROUNDED_RULES, LENGTH_AND_TONE, TONE_NAMES
from sakuin.write.request import Request
from sakuin.write.sources import Source


def numbered(sources: list[Source]) -> str:
    """The sources as the model reads them: ``[n] title: text`` (newlines inside kept)."""
    return "\n".join(f"[{s.number}] {s.title}: {s.text.strip()}" for s in sources)


def grounded_prompt(model: LanguageModel, request: Request, sources: list[Source]) -> Prompt:
    """Messages for a model with a chat template, a one-shot completion document for a base model."""
    language = request.language
    passages_label, request_label, answer_label = GROUNDED_LABELS[language]
    wanted = LENGTH_AND_TONE[language].format(
        chars=request.target_chars, tone=TONE_NAMES[language].get(request.tone or "", "")
    )
    body = f"{passages_label}\n{numbered(sources)}\n{request_label}{request.text}"
    if model.has_chat_template:
        return [Message("system", GROUNDED_RULES[language]), Message("user", f"{body}\n{wanted}")]
    # a base model only continues the pattern of its example: a stated length would be copied, not followed
    example_passages, example_request, example_answer = GROUNDED_EXAMPLE[language]
    example = f"{passages_label}\n{example_passages}\n{request_label}{example_request}\n{answer_label}"
    return (
        f"{GROUNDED_RULES[language]}\n\n{example}{_space(language)}{example_answer}\n\n{body}\n{answer_label}"
    )


def stop_strings(model: LanguageModel, request: Request) -> tuple[str, ...]:
    """Where a base model's answer ends: at the end of its line (the example answers in one
    paragraph; left to run, a small base model starts the next example or repeats the request)."""
    return () if model.has_chat_template else ("\n",)


def _space(language: str) -> str:
    return " " if language == "en" else ""
