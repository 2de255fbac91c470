"""transformers backend (PyTorch on CPU): hidden states, gradients and LoRA live here.

A GGUF is dequantised to fp32 once (about 40 s for Gemma 3 270M) and saved as a Hugging Face
checkpoint in the data directory; later loads take seconds. Scoring pads rows into batches behind
the shared prefix (attended as one uncopied KV cache, see ``shared_prefix``) and projects to the
vocabulary only at the positions it reads.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# Weights never come from a hub: set before transformers is imported anywhere through us.
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from sakuin.errors import CorruptModelError
from sakuin.models.base import Message, ScoreRequest
from sakuin.models.local import LocalModelBase, ScoreLayout
from sakuin.models.logprobs import Read, ScoreRow, build_rows, empty_scores
from sakuin.models.packaged import check_gguf
from sakuin.models.padding import padded_batches, padded_width
from sakuin.models.shared_prefix import SharedPrefix, install


def convert_gguf(gguf: Path, models_dir: Path) -> Path:
    """Dequantise ``gguf`` into an fp32 Hugging Face checkpoint under ``models_dir``, once.

    transformers refuses to save a GGUF-loaded model while it still carries the GGUF quantizer;
    the weights are already dequantised, so dropping it is safe. Written to a temporary folder
    and renamed, so an interrupted conversion never leaves a half checkpoint behind.
    """
    target = models_dir / f"{gguf.stem}-hf"
    if (target / "config.json").is_file():
        return target
    check_gguf(gguf)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    except (ValueError, OSError, KeyError) as exc:
        raise CorruptModelError(f"transformers could not read {gguf} ({exc}).") from exc
    setattr(model, "hf_quantizer", None)  # noqa: B010 - the attribute is typed as never None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    return target


def compute_dtype(precision: str) -> torch.dtype:
    """The torch dtype for a ``model.precision`` setting.

    ``auto`` picks bfloat16 only where the CPU multiplies it in hardware (AMX tiles or AVX-512
    BF16); elsewhere bfloat16 is emulated and slower than float32.
    """
    if precision == "auto":
        fast = torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()
        return torch.bfloat16 if fast else torch.float32
    return torch.bfloat16 if precision == "bfloat16" else torch.float32


def final_softcap(config: Any, logits: torch.Tensor) -> torch.Tensor:
    """Logits through the model's final soft cap, where it has one (Gemma 2), as its forward does."""
    cap = getattr(config, "final_logit_softcapping", None)
    return torch.tanh(logits / cap) * cap if cap else logits


_PROJECTED_ROWS = 64
_NORMALISER_ROWS = 16


class TransformersModel(LocalModelBase):
    """A causal language model run by transformers in this process."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        *,
        name: str,
        context_length: int,
        batch_size: int = 32,
    ) -> None:
        self.model = model.train(False)
        self.tokenizer = tokenizer
        self.name = name
        limit = getattr(model.config, "max_position_embeddings", None) or context_length
        self.context_length = min(context_length, limit)
        self.batch_size = batch_size
        self.has_chat_template = bool(getattr(tokenizer, "chat_template", None))
        probe = tokenizer("a").input_ids
        bos = tokenizer.bos_token_id
        # Whether the model expects BOS is whatever its tokenizer does by default.
        self.bos_token_id = bos if bos is not None and probe[:1] == [bos] else None
        eos = model.generation_config.eos_token_id if model.generation_config else None
        eos_ids = eos if isinstance(eos, list) else [eos]
        self.eos_token_ids = frozenset(int(i) for i in [*eos_ids, tokenizer.eos_token_id] if i is not None)
        self._pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self._prefix_cache: tuple[tuple[int, ...], Any] | None = None
        self._attends_to_shared_prefix = install(self.model)
        # In bfloat16, oneDNN builds a kernel for every new matrix shape (about a second each),
        # which on a small table costs more than padding rows to a multiple of 8 tokens does.
        self._width_step = 8 if model.dtype == torch.bfloat16 else 1

    @classmethod
    def load(
        cls,
        weights: Path,
        models_dir: Path,
        *,
        name: str,
        context_length: int,
        threads: int | None = None,
        batch_size: int = 32,
        precision: str = "float32",
    ) -> TransformersModel:
        """Load a Hugging Face directory, or a GGUF through its converted checkpoint."""
        if threads:
            torch.set_num_threads(threads)
        directory = weights if weights.is_dir() else convert_gguf(weights, models_dir)
        try:
            tokenizer = AutoTokenizer.from_pretrained(directory)
            model = AutoModelForCausalLM.from_pretrained(directory, dtype=compute_dtype(precision))
        except (ValueError, OSError) as exc:
            raise CorruptModelError(f"transformers could not load {directory} ({exc}).") from exc
        return cls(model, tokenizer, name=name, context_length=context_length, batch_size=batch_size)

    # -- text ---------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False, split_special_tokens=True).input_ids)

    def _prompt_tokens(self, prompt: str) -> list[int]:
        ids = list(self.tokenizer(prompt, add_special_tokens=False).input_ids)
        return ([self.bos_token_id] if self.bos_token_id is not None else []) + ids

    def count_tokens(self, text: str) -> int:
        return len(self._prompt_tokens(text))

    def _render_chat(self, messages: Sequence[Message]) -> str:
        text = self.tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            tokenize=False,
            add_generation_prompt=True,
        )
        bos = self.tokenizer.bos_token or ""
        # BOS is added when the prompt is tokenised; keep it out of the text so it is not doubled.
        return (
            str(text)[len(bos) :]
            if bos and self.bos_token_id is not None and str(text).startswith(bos)
            else str(text)
        )

    @torch.inference_mode()
    def _decode(self, prompt: str, max_tokens: int, temperature: float, seed: int | None) -> Iterator[str]:
        ids = torch.tensor([self._prompt_tokens(prompt)])
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        cache = None
        produced: list[int] = []
        shown = ""
        for _ in range(max_tokens):
            out = self.model(input_ids=ids, cache=cache, use_cache=True, logits_to_keep=1)
            cache = out.cache
            logits = out.logits[0, -1].float()
            if temperature > 0:
                probs = torch.softmax(logits / temperature, dim=-1)
                token = int(torch.multinomial(probs, 1, generator=generator))
            else:
                token = int(logits.argmax())
            if token in self.eos_token_ids:
                return
            produced.append(token)
            text = str(self.tokenizer.decode(produced, skip_special_tokens=True))
            # A trailing U+FFFD is a character split across tokens: wait for the rest of it.
            piece = "" if text.endswith("\ufffd") else text[len(shown) :]
            shown += piece
            yield piece
            ids = torch.tensor([[token]])

    # -- scoring ------------------------------------------------------------------------------
    @torch.inference_mode()
    def score_batch(
        self,
        requests: Sequence[ScoreRequest],
        *,
        shared_prefix: str = "",
        use_cache: bool = True,
        relative: bool = False,
    ) -> list[list[float]]:
        layout = self.layout(requests, shared_prefix, use_cache)
        scores = empty_scores(layout.continuations)
        cache = self._cache_for(layout.cached) if layout.cached else None
        fits = self._fits_window(layout)
        shares = cache is not None and fits and self._attends_to_shared_prefix
        behind = SharedPrefix.from_cache(cache) if shares else cache
        rows = build_rows(layout.lead, layout.prefixes, layout.continuations)
        # One row per item already reads every label (single-token labels, or labels that
        # extend one another): a second pass would only add a forward. Otherwise each item's
        # tokens are read once and the labels' remaining tokens in a second pass behind them.
        two_pass = fits and len(rows) > len({row.reads[0].request for row in rows})
        if two_pass:
            firsts = [[cont[:1] for cont in conts] for conts in layout.continuations]
            rows = build_rows(layout.lead, layout.prefixes, firsts)
        tails = layout if two_pass else None
        for batch in self._batches([len(row.tokens) for row in rows]):
            chunk = [rows[i] for i in batch]
            for read, value in self._score_rows(chunk, behind, len(layout.cached), relative, tails):
                scores[read.request][read.continuation] = value
        return scores

    def _fits_window(self, layout: ScoreLayout) -> bool:
        """Whether prefix, padded items and continuations fit inside every sliding window.

        Only then may continuations be scored in a second pass behind their padded items, and
        rows attend to a shared prefix without copying it. Padding sits between an item and its
        continuation: masked, it is invisible to full attention, but a sliding-window layer
        counts it as distance and may drop real tokens; and the shared prefix is attended to
        without any window.
        """
        window = getattr(self.model.config, "sliding_window", None)
        if not window or "sliding_attention" not in (getattr(self.model.config, "layer_types", None) or []):
            return True
        longest_item = max(len(layout.lead) + len(prefix) for prefix in layout.prefixes)
        padded_item = padded_width(longest_item, self._width_step)
        longest_label = max((len(c) for conts in layout.continuations for c in conts), default=0)
        return len(layout.cached) + padded_item + longest_label < int(window)

    def _batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Rows of these lengths grouped into forward passes (see :mod:`sakuin.models.padding`)."""
        return padded_batches(lengths, max_rows=self.batch_size, step=self._width_step)

    def _cache_for(self, tokens: list[int]) -> Any:
        """KV cache of ``tokens``, computed once and kept for the next call with the same prefix."""
        key = tuple(tokens)
        if self._prefix_cache is None or self._prefix_cache[0] != key:
            out = self.model(input_ids=torch.tensor([tokens]), use_cache=True, logits_to_keep=1)
            self._prefix_cache = (key, out.cache)
        return self._prefix_cache[1]

    def _score_rows(
        self,
        rows: list[ScoreRow],
        prefix: SharedPrefix | Any,
        past: int,
        relative: bool,
        tails: ScoreLayout | None,
    ) -> list[tuple[Read, float]]:
        """The score of every read of ``rows`` (see ``relative`` in :meth:`score_batch`).

        ``prefix`` is what the rows follow: a :class:`SharedPrefix` every row attends to as it
        is, a KV cache to copy for each row, or None. With ``tails``, rows hold items only and
        each read is a continuation's first token; the rest of every longer continuation is
        then read in a second pass behind the items' own KV cache, so an item's tokens are
        evaluated once however many labels it has.
        """
        cache, so_far = None, 0
        extra: dict[str, Any] = {}
        if isinstance(prefix, SharedPrefix):
            extra = {"shared_prefix": prefix}
        elif prefix is not None:
            cache, so_far = copy.deepcopy(prefix), past  # the forward pass appends to it
            cache.batch_repeat_interleave(len(rows))
        reads = [(i, read) for i, row in enumerate(rows) for read in row.reads]
        full = [tails.continuations[read.request][read.continuation] for _, read in reads] if tails else []
        keep = any(len(cont) > 1 for cont in full)
        tokens = [row.tokens for row in rows]
        hidden, mask, cache = self._forward(tokens, cache, so_far, [past] * len(rows), keep=keep, **extra)
        which = torch.tensor([i for i, read in reads for _ in read.positions])
        where = torch.tensor([p for _, read in reads for p in read.positions])
        owner = torch.tensor([k for k, (_, read) in enumerate(reads) for _ in read.positions])
        shared = torch.tensor([relative and p == read.first for _, read in reads for p in read.positions])
        targets = torch.tensor([t for _, read in reads for t in read.targets])
        states = hidden[which, where]
        picked = torch.empty(len(targets), dtype=torch.float64)
        for part, exact in ((shared, False), (~shared, True)):
            if part.any():
                picked[part] = self._token_scores(states[part], targets[part], exact=exact)
        totals = torch.zeros(len(reads), dtype=torch.float64).index_add_(0, owner, picked)
        if keep:
            longer = [k for k, cont in enumerate(full) if len(cont) > 1]
            source = torch.tensor([reads[k][0] for k in longer])
            cache.batch_select_indices(source)
            tail_tokens = [full[k][:-1] for k in longer]
            starts = [past + len(rows[int(i)].tokens) for i in source]
            tail_states, _, _ = self._forward(
                tail_tokens, cache, mask[source], starts, keep=False, step=1, **extra
            )
            row_of = torch.tensor([n for n, tail in enumerate(tail_tokens) for _ in tail])
            at = torch.tensor([j for tail in tail_tokens for j in range(len(tail))])
            tail_targets = torch.tensor([t for k in longer for t in full[k][1:]])
            rest = self._token_scores(tail_states[row_of, at], tail_targets, exact=True)
            totals.index_add_(0, torch.tensor(longer)[row_of], rest)
        return [(read, float(total)) for (_, read), total in zip(reads, totals, strict=True)]

    def _forward(
        self,
        rows: list[list[int]],
        cache: Any,
        mask_so_far: Any,
        starts: list[int],
        *,
        keep: bool,
        step: int | None = None,
        **extra: Any,
    ) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """Hidden states of right-padded ``rows`` behind ``cache``, each row from its own position.

        ``mask_so_far`` is the attention mask of what the cache holds: an int for a prefix every
        row shares in full, or a (rows, cached) tensor when earlier rows were padded. Rows are
        padded to a multiple of ``step`` tokens (default: the precision's, see ``__init__``);
        labels' tails, a token or two, take 1: to 8 they would cost several times their length.
        ``extra`` goes to the attention functions (a shared prefix). Returns the hidden states,
        the mask extended by these rows, and the cache when ``keep``.
        """
        width = padded_width(max(len(row) for row in rows), step or self._width_step)
        ids = torch.full((len(rows), width), self._pad, dtype=torch.long)
        new = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            new[i, : len(row)] = 1
        before = (
            torch.ones((len(rows), mask_so_far), dtype=torch.long)
            if isinstance(mask_so_far, int)
            else mask_so_far
        )
        mask = torch.cat([before, new], dim=1)
        positions = torch.tensor(starts)[:, None] + torch.arange(width)[None, :]
        output = self.model.get_decoder()(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            cache=cache,
            use_cache=keep or cache is not None,
            **extra,
        )
        return output.last_hidden_state, mask, output.cache if keep else None

    def _token_scores(self, states: torch.Tensor, ids: torch.Tensor, *, exact: bool) -> torch.Tensor:
        """Each target token's log-probability from its hidden state (float64).

        Not ``exact``: the target's raw logit, one row of the output matrix, which differs from
        the log-probability by the position's normaliser (see ``relative`` in :meth:`score_batch`).
        """
        head = self.model.get_output_embeddings()
        if exact:
            picked = torch.empty(len(ids), dtype=torch.float64)
            # Projected a few rows at a time, never all positions times the whole vocabulary at
            # once (a 262k vocabulary makes that gigabytes); the normaliser in smaller blocks still,
            # whose float32 copy stays in the CPU's cache. 4,096 positions of Gemma 3 270M:
            # 5.1 s all at once, 3.4 s in blocks of 64.
            for start in range(0, len(ids), _PROJECTED_ROWS):
                logits = head(states[start : start + _PROJECTED_ROWS])
                for offset in range(0, len(logits), _NORMALISER_ROWS):
                    rows = slice(start + offset, start + offset + _NORMALISER_ROWS)
                    block = final_softcap(
                        self.model.config, logits[offset : offset + _NORMALISER_ROWS].float()
                    )
                    target = block.gather(1, ids[rows, None])[:, 0]
                    picked[rows] = (target - torch.logsumexp(block, dim=-1)).double()
            return picked
        raw = (states.float() * head.weight[ids].float()).sum(-1)
        if head.bias is not None:
            raw = raw + head.bias[ids].float()
        return final_softcap(self.model.config, raw).double()

    @torch.inference_mode()
    def token_logprobs(self, texts: Sequence[str], *, ending: bool = False) -> list[np.ndarray]:
        """See :class:`LocalLanguageModel`: padded batches, the normaliser in cache-sized blocks.

        The ending is each ending token read at the last position, summed in probability.
        """
        head, rows = self.text_rows(texts)
        ends = self.ending_tokens() if ending else []
        result: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(rows)
        filled = [i for i, row in enumerate(rows) if row]
        for indices in self._batches([len(head) + len(rows[i]) for i in filled]):
            batch = [filled[k] for k in indices]
            hidden, _, _ = self._forward(
                [head + rows[i] for i in batch], None, 0, [0] * len(batch), keep=False
            )
            # Row i reads position p for target t: its own tokens, then each ending token at its end.
            reads = [
                (n, len(head) - 1 + p, t)
                for n, i in enumerate(batch)
                for p, t in [*enumerate(rows[i]), *((len(rows[i]), e) for e in ends)]
            ]
            which, where, targets = (torch.tensor(column) for column in zip(*reads, strict=True))
            values = self._token_scores(hidden[which, where], targets, exact=True).float().numpy()
            sizes = [len(rows[i]) + len(ends) for i in batch]
            for i, part in zip(batch, np.split(values, np.cumsum(sizes)[:-1]), strict=True):
                result[i] = (
                    part
                    if not ends
                    else np.append(part[: -len(ends)], np.logaddexp.reduce(part[-len(ends) :]))
                )
        return result

    # -- hidden states ------------------------------------------------------------------------
    @torch.inference_mode()
    def hidden_states(self, texts: Sequence[str], *, layer: int = -1) -> np.ndarray:
        pooled = []
        for start in range(0, len(texts), self.batch_size):
            encoded = [
                self._prompt_tokens(t)[: self.context_length] for t in texts[start : start + self.batch_size]
            ]
            width = max(len(e) for e in encoded)
            ids = torch.full((len(encoded), width), self._pad, dtype=torch.long)
            mask = torch.zeros((len(encoded), width), dtype=torch.long)
            for i, e in enumerate(encoded):
                ids[i, : len(e)] = torch.tensor(e)
                mask[i, : len(e)] = 1
            states = self.model(
                input_ids=ids, attention_mask=mask, output_hidden_states=True, logits_to_keep=1
            ).hidden_states[layer]
            weights = mask[..., None].float()
            pooled.append(((states.float() * weights).sum(1) / weights.sum(1)).numpy())
        return np.concatenate(pooled).astype(np.float32)
