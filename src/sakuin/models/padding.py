"""Which rows share a padded forward pass: the fewest tokens run, padding and passes counted.

A batch is padded to its longest row, so cutting rows into batches of a fixed count after
sorting them by length still wastes much where lengths vary: in the curation benchmark's mix of
paragraphs and long junk pages (14 to 1,246 tokens), batches of 32 ran 2.6 tokens for every real
one, nearly all of it in the batch that holds the longest pages. Here the cut points are chosen by
dynamic programming over the sorted lengths, so long rows go in small batches and short ones in
full ones; each pass also costs a fixed ``overhead`` (about 20 ms for Gemma 3 270M on 2 cores, the
time of ~48 tokens), so rows of nearly equal length are not split for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

# A forward pass's fixed cost in tokens' worth of time (measured, see above).
PASS_OVERHEAD = 48


def padded_width(width: int, step: int) -> int:
    """``width`` rounded up to a multiple of ``step``."""
    return -(-width // step) * step


def padded_batches(
    lengths: Sequence[int], *, max_rows: int, step: int = 1, overhead: int = PASS_OVERHEAD
) -> list[list[int]]:
    """Indices of ``lengths`` in batches of at most ``max_rows``, shortest rows first, cut where
    the padded tokens plus ``overhead`` per batch add up to the least."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    widths = [padded_width(lengths[i], step) for i in order]
    best = [0] * (len(order) + 1)  # best[j]: least cost of the first j sorted rows
    cut = [0] * (len(order) + 1)
    for j in range(1, len(order) + 1):
        candidates = range(max(0, j - max_rows), j)
        cut[j] = min(candidates, key=lambda i: best[i] + (j - i) * widths[j - 1])
        best[j] = best[cut[j]] + (j - cut[j]) * widths[j - 1] + overhead
    batches: list[list[int]] = []
    j = len(order)
    while j > 0:
        batches.append(order[cut[j] : j])
        j = cut[j]
    return batches[::-1]
