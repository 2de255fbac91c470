"""llama.cpp backend (llama-cpp-python): the default for generation and scoring.

Loads a GGUF in well under a second and decodes quickly on CPU. Scoring drives the llama.cpp
context directly: the shared prefix stays in the KV cache between calls, each item's text is
decoded once, and logits are read only at the positions that predict continuation tokens.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama
from llama_cpp._internals import LlamaBatch
from llama_cpp._utils import suppress_stdout_stderr

from sakuin.errors import CorruptModelError, UnsupportedByBackendError
from sakuin.models.base import Message, ScoreRequest
from sakuin.models.local import LocalModelBase
from sakuin.models.logprobs import empty_scores, log_normaliser
from sakuin.models.packaged import check_gguf

_SEQ = 0  # scoring and generation share one sequence of the KV cache


_LOGPROB_WINDOW = 64  # tokens whose logits are read at once: 64 rows of the vocabulary, ~67 MB for Gemma


class LlamaCppModel(LocalModelBase):
    """A GGUF model run by llama.cpp in this process."""

    def __init__(self, path: Path, *, name: str, context_length: int, threads: int | None) -> None:
        check_gguf(path)
        self.path = path
        self.name = name
        self._threads = threads or os.cpu_count() or 1  # llama-cpp-python's own default is half the cores
        self._llm = self._open(n_ctx=context_length)
        self.context_length = self._llm.n_ctx()
        self.has_chat_template = "tokenizer.chat_template" in self._llm.metadata
        bos = self._llm.token_bos()
        add_bos = self._llm.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"
        self.bos_token_id = bos if add_bos and bos >= 0 else None
        self.eos_token_ids = frozenset(t for t in (self._llm.token_eos(),) if t >= 0)
        self._vocab = self._llm._model.vocab
        self._n_vocab = self._llm.n_vocab()
        self._batch = LlamaBatch(n_tokens=self._llm.n_batch, embd=0, n_seq_max=1, verbose=False)
        self._embedder: Llama | None = None

    def _open(self, **options: Any) -> Llama:
        """A ``Llama`` on this model's file, quiet: llama.cpp's start-up notes are not for users."""
        try:
            with suppress_stdout_stderr(disable=False):
                return Llama(
                    model_path=str(self.path),
                    n_threads=self._threads,
                    n_threads_batch=self._threads,
                    verbose=False,
                    **options,
                )
        except ValueError as exc:  # llama-cpp-python's only signal for an unreadable file
            raise CorruptModelError(
                f"llama.cpp could not load {self.path} ({exc}); the file may be truncated "
                "or of an unsupported architecture."
            ) from exc

    # -- text ---------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _prompt_tokens(self, prompt: str) -> list[int]:
        # Prompts may carry a chat template's special tokens, so parse them as such.
        return list(
            self._llm.tokenize(prompt.encode("utf-8"), add_bos=self.bos_token_id is not None, special=True)
        )

    def count_tokens(self, text: str) -> int:
        return len(self._prompt_tokens(text))

    def _render_chat(self, messages: Sequence[Message]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=self._llm.metadata["tokenizer.chat_template"],
            eos_token=self._llm.detokenize([self._llm.token_eos()], special=True).decode("utf-8", "replace"),
            bos_token=self._llm.detokenize([self._llm.token_bos()], special=True).decode("utf-8", "replace"),
        )
        chat: Any = [{"role": m.role, "content": m.content} for m in messages]
        rendered = formatter(messages=chat)
        prompt = rendered.prompt
        bos_text = formatter.bos_token
        # The BOS token is added by tokenisation; keep it out of the text so it is not doubled.
        return (
            prompt[len(bos_text) :]
            if self.bos_token_id is not None and prompt.startswith(bos_text)
            else prompt
        )

    def _decode(self, prompt: str, max_tokens: int, temperature: float, seed: int | None) -> Iterator[str]:
        tokens = self._prompt_tokens(prompt)
        if seed is not None:
            self._llm.set_seed(seed)
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        if max_tokens < 1:
            return
        for count, token in enumerate(self._llm.generate(tokens, temp=temperature, reset=True), start=1):
            if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                return
            yield utf8.decode(self._llm.detokenize([token]))
            if count >= max_tokens:
                return

    # -- scoring ------------------------------------------------------------------------------
    def score_batch(
        self,
        requests: Sequence[ScoreRequest],
        *,
        shared_prefix: str = "",
        use_cache: bool = True,
        relative: bool = False,
    ) -> list[list[float]]:
        """See :class:`LocalLanguageModel`.

        llama.cpp's batched CPU kernels round differently depending on how tokens are grouped
        into one decode call (up to ~0.1 nats on Gemma 3 270M Q4_K_M). So the uncached path
        recomputes the shared prefix for every item in the same grouping as the cached path,
        and the two agree to float precision; the cache changes speed, never results.
        """
        layout = self.layout(requests, shared_prefix, use_cache=True)
        scores = empty_scores(layout.continuations)
        start = len(layout.cached)
        for r, (prefix, conts) in enumerate(zip(layout.prefixes, layout.continuations, strict=True)):
            if not any(conts):
                continue
            if not use_cache:
                self._forget_from(0)
            self._keep_prefix(layout.cached)
            context = layout.lead + prefix
            # One pass over the item gives every continuation's first token at once.
            first = self._eval(context, start, [len(context) - 1])
            first_normaliser = 0.0 if relative else log_normaliser(first)[0]
            for c, cont in enumerate(conts):
                if not cont:
                    continue
                total = float(first[0, cont[0]]) - first_normaliser
                if len(cont) > 1:
                    rest = self._eval(cont[:-1], start + len(context), range(len(cont) - 1))
                    total += float((rest[np.arange(len(cont) - 1), cont[1:]] - log_normaliser(rest)).sum())
                    self._forget_from(start + len(context))
                scores[r][c] = total
            self._forget_from(start)
        return scores

    def token_logprobs(self, texts: Sequence[str], *, ending: bool = False) -> list[np.ndarray]:
        """See :class:`LocalLanguageModel`; logits are read a window at a time (a row is the vocabulary).

        With ``ending`` the last token's logits are read too, for the ending tokens after it.
        """
        head, rows = self.text_rows(texts)
        ends = self.ending_tokens() if ending else []
        result = []
        for row in rows:
            if not row:
                result.append(np.empty(0, dtype=np.float32))
                continue
            tokens = head + row
            last = len(tokens) if ends else len(tokens) - 1  # positions whose logits are read
            self._forget_from(0)
            self._eval(tokens[: len(head) - 1], 0, [])
            values = []
            for offset in range(len(head) - 1, last, _LOGPROB_WINDOW):
                chunk = tokens[offset : offset + _LOGPROB_WINDOW]
                read = min(len(chunk), last - offset)
                logits = self._eval(chunk, offset, range(read))
                normaliser = log_normaliser(logits)
                following = np.array(tokens[offset + 1 : offset + 1 + read], dtype=np.int64)
                values.append(logits[np.arange(len(following)), following] - normaliser[: len(following)])
                if ends and offset + len(chunk) == len(tokens):  # this window holds the last token
                    values.append(np.logaddexp.reduce(logits[-1, ends] - normaliser[-1], keepdims=True))
            self._forget_from(0)
            result.append(np.concatenate(values).astype(np.float32))
        return result

    def _keep_prefix(self, tokens: list[int]) -> None:
        """Make the KV cache hold exactly ``tokens``: kept if it holds them already, else recomputed.

        Never extended from a partial match: results depend on how tokens were grouped into
        decode calls, so the prefix is always computed the same way, from position 0. The
        cache contents are tracked in the ``Llama`` object's own bookkeeping (``input_ids``,
        ``n_tokens``), so generation can reuse a scored prefix and scoring survives generation.
        """
        if self._llm.n_tokens == len(tokens) and self._llm.input_ids[: len(tokens)].tolist() == tokens:
            return
        self._forget_from(0)
        if tokens:
            self._eval(tokens, 0, [])
            self._llm.input_ids[: len(tokens)] = tokens
        self._llm.n_tokens = len(tokens)

    def _forget_from(self, position: int) -> None:
        self._llm._ctx.kv_cache_seq_rm(_SEQ, position, -1)
        self._llm.n_tokens = min(self._llm.n_tokens, position)

    def _eval(self, tokens: Sequence[int], start: int, wanted: Sequence[int]) -> np.ndarray:
        """Decode ``tokens`` at positions ``start...``; return logits at the ``wanted`` indices only."""
        want = set(wanted)
        rows: list[np.ndarray] = []
        step = self._llm.n_batch
        batch = self._batch.batch
        for offset in range(0, len(tokens), step):
            chunk = tokens[offset : offset + step]
            batch.n_tokens = len(chunk)
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = start + offset + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = _SEQ
                batch.logits[i] = (offset + i) in want
            self._llm._ctx.decode(self._batch)
            for i in range(len(chunk)):
                if (offset + i) in want:
                    pointer = llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, i)
                    rows.append(np.ctypeslib.as_array(pointer, shape=(self._n_vocab,)).copy())
        return np.stack(rows) if rows else np.empty((0, self._n_vocab), dtype=np.float32)

    # -- hidden states ------------------------------------------------------------------------
    def hidden_states(self, texts: Sequence[str], *, layer: int = -1) -> np.ndarray:
        if layer != -1:
            raise UnsupportedByBackendError(
                "llama.cpp exposes only the last hidden layer; use the transformers backend for other layers."
            )
        if self._embedder is None:
            self._embedder = self._open(
                n_ctx=self.context_length, embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN
            )
        return np.asarray(self._embedder.embed(list(texts)), dtype=np.float32)

    def close(self) -> None:
        self._llm.close()
        if self._embedder is not None:
            self._embedder.close()
