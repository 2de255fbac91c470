"""Cascade attention: every row of a batch attends to one shared prefix, which is never copied.

Scoring puts many items behind the same instruction. A batched KV cache would repeat the
prefix's keys and values once per row and make each row's attention read its own copy, which
costs more than the items themselves once the prefix is a few times longer than an item. Here
each layer attends twice: all rows' queries against the single prefix in one call (no mask is
needed, every query sees all of it), then each row against its own tokens under the causal and
padding mask. A softmax over a concatenation is the two halves' softmaxes reweighted by their
log-sum-exps, so merging them gives exactly the attention over prefix + row.

The prefix is passed to the model call as ``shared_prefix=`` (transformers hands extra keyword
arguments down to the attention function); calls without it run plain SDPA. The caller must
make sure that prefix and rows fit within any sliding window: the prefix half ignores windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from transformers import AttentionInterface, PreTrainedModel
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

NAME = "sakuin_shared_prefix"

# The CPU flash-attention kernel returns the log-sum-exp that merging needs; public SDPA does not.
_FLASH = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)


@dataclass(frozen=True)
class SharedPrefix:
    """Keys and values of a prefix, one (1, kv heads, length, head dim) pair per layer."""

    layers: tuple[tuple[torch.Tensor, torch.Tensor], ...]

    @classmethod
    def from_cache(cls, cache: Any) -> SharedPrefix:
        """From a transformers KV cache of one sequence (``cache.layers`` in layer order)."""
        return cls(tuple((layer.keys, layer.values) for layer in cache.layers))


def install(model: PreTrainedModel) -> bool:
    """Route ``model``'s attention through :func:`attention`; False where it cannot serve.

    It needs the CPU kernel, a model on the CPU that uses SDPA, and no attention soft cap
    (Gemma 2's), which the kernel cannot apply.
    """
    config = model.config
    if (
        _FLASH is None
        or model.device.type != "cpu"
        or getattr(config, "_attn_implementation", None) != "sdpa"
        or getattr(config, "attn_logit_softcapping", None)
    ):
        return False
    AttentionInterface.register(NAME, attention)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    model.set_attn_implementation(NAME)
    return True


def attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    *,
    shared_prefix: SharedPrefix | None = None,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention of ``query`` (rows, heads, width, dim) over the shared prefix and its own keys.

    Returns (rows, width, heads, dim) like transformers' other attention functions.
    """
    if shared_prefix is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, **kwargs)
    assert _FLASH is not None  # install() checked
    prefix_keys, prefix_values = shared_prefix.layers[int(getattr(module, "layer_idx"))]  # noqa: B009
    rows, heads, width, dim = query.shape
    kv_heads = key.shape[1]
    # Query heads that share a key/value head become one longer sequence of queries for it.
    grouped = query.reshape(rows, kv_heads, heads // kv_heads * width, dim)
    length = grouped.shape[2]
    all_rows = grouped.transpose(0, 1).reshape(1, kv_heads, rows * length, dim)
    prefix_out, prefix_lse = _FLASH(all_rows, prefix_keys, prefix_values, scale=scaling)
    prefix_out = prefix_out.reshape(kv_heads, rows, length, dim).transpose(0, 1)
    prefix_lse = prefix_lse.reshape(kv_heads, rows, length).transpose(0, 1)
    own_mask = _additive_mask(attention_mask, query, key)
    own_out, own_lse = _FLASH(grouped, key, value, attn_mask=own_mask, scale=scaling)
    total = torch.logaddexp(prefix_lse, own_lse)
    merged = (
        prefix_out.float() * torch.exp(prefix_lse - total)[..., None]
        + own_out.float() * torch.exp(own_lse - total)[..., None]
    )
    out = merged.to(query.dtype).reshape(rows, heads, width, dim)
    return out.transpose(1, 2).contiguous(), None


def _additive_mask(mask: torch.Tensor | None, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """The rows' own mask as the kernel wants it: additive, in the query's dtype, per grouped query.

    transformers passes a boolean (rows or 1, 1, width, keys) mask where True may attend, or
    None when plain causal attention is meant (no padding anywhere).
    """
    width, keys = query.shape[2], key.shape[2]
    if mask is None:
        allowed = torch.ones(width, keys, dtype=torch.bool).tril(keys - width)[None, None]
    else:
        allowed = mask if mask.dtype == torch.bool else mask == 0
    groups = query.shape[1] // key.shape[1]
    grouped = allowed[:, :, None].expand(-1, -1, groups, -1, -1)
    allowed = grouped.reshape(allowed.shape[0], 1, groups * width, keys)
    return torch.zeros(allowed.shape, dtype=query.dtype).masked_fill_(~allowed, float("-inf"))
