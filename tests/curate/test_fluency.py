"""The fluency measures and band on hand-made log-probabilities: what counts, what is left unjudged."""

from __future__ import annotations

from math import log

import numpy as np
import pytest

from sakuin.curate.fluency import MIN_TOKENS, Fluency, FluencyBand, derive_band, measure, packaged_bands
from sakuin.curate.records import CurateError

BAND = FluencyBand("some-model", "ja", max_surprisal=5.0, max_predictable=0.3, min_ending=log(0.02))


def test_measure_reads_mean_surprisal_and_the_share_of_near_certain_tokens() -> None:
    logprobs = np.array([log(0.95), log(0.5), log(0.1), log(0.9)])
    fluency = measure(logprobs)
    assert fluency.surprisal == pytest.approx(-(log(0.95) + log(0.5) + log(0.1) + log(0.9)) / 4)
    assert fluency.predictable == pytest.approx(0.5)  # 0.95 and 0.9 count, 0.5 and 0.1 do not
    assert fluency.tokens == 4
    assert measure(np.empty(0)) == Fluency(0.0, 0.0, 0)
    assert measure(logprobs, ending=log(0.3)).ending == pytest.approx(log(0.3))


def test_the_verdict_names_the_measure_its_value_and_the_limit() -> None:
    salad = BAND.verdict(Fluency(6.2, 0.0, 40))
    assert (
        salad is not None
        and "6.20 nats per token" in salad
        and "at most 5.00" in salad
        and "word salad" in salad
    )
    repeating = BAND.verdict(Fluency(1.1, 0.62, 40))
    assert (
        repeating is not None
        and "62%" in repeating
        and "at most 30%" in repeating
        and "repeating" in repeating
    )
    assert BAND.verdict(Fluency(3.5, 0.1, 40)) is None


def test_a_text_that_stops_where_prose_goes_on_is_cut_off() -> None:
    cut = BAND.verdict(Fluency(3.5, 0.1, 40, ending=log(0.0004)))
    assert cut is not None and "0.04 %" in cut and "at least 2 %" in cut and "cut off" in cut
    assert BAND.verdict(Fluency(3.5, 0.1, 40, ending=log(0.05))) is None
    assert BAND.verdict(Fluency(3.5, 0.1, 40, ending=None)) is None  # its end was not read (clipped)
    no_limit = FluencyBand("some-model", "ja", max_surprisal=5.0, max_predictable=0.3)
    assert no_limit.verdict(Fluency(3.5, 0.1, 40, ending=log(0.0004))) is None


def test_a_text_too_short_to_average_over_is_judged_by_its_ending_alone() -> None:
    assert BAND.verdict(Fluency(9.0, 0.9, MIN_TOKENS - 1)) is None
    assert BAND.verdict(Fluency(9.0, 0.9, MIN_TOKENS)) is not None
    short_cut = BAND.verdict(Fluency(9.0, 0.9, 5, ending=log(0.001)))
    assert short_cut is not None and "cut off" in short_cut


def test_a_band_is_a_quantile_of_good_texts_and_needs_enough_of_them() -> None:
    good = [Fluency(3.0 + i / 100, i / 1000, 30, ending=-i / 10) for i in range(100)]
    good.append(Fluency(20.0, 1.0, 3))
    band = derive_band("m", "en", good, 0.99, "test")
    assert band.max_surprisal == pytest.approx(3.0 + 0.9801, abs=1e-3)  # the short outlier is left out
    assert band.max_predictable == pytest.approx(0.098, abs=1e-3)
    assert band.min_ending == pytest.approx(-9.801, abs=1e-3)  # the low quantile: good texts end likelier
    unread = [Fluency(f.surprisal, f.predictable, f.tokens) for f in good]
    assert derive_band("m", "en", unread, 0.99, "test").min_ending is None  # no ending, no limit on it
    with pytest.raises(CurateError, match="at least 20 good texts"):
        derive_band("m", "en", good[:19], 0.99, "test")


def test_the_default_model_has_a_band_per_language_and_a_text_meets_its_own() -> None:
    bands = packaged_bands("gemma-3-270m")
    assert bands is not None and set(bands.bands) == {"ja", "en"}
    for band in bands.bands.values():
        assert 3.0 < band.max_surprisal < 8.0 and 0.1 < band.max_predictable < 0.6
        assert band.min_ending is not None and log(1e-4) < band.min_ending < log(0.5)
    assert bands.for_text("光合成とは、植物が光のエネルギーを使うはたらきである。").language == "ja"
    assert bands.for_text("Photosynthesis turns light into chemical energy.").language == "en"
    assert packaged_bands("no-such-model") is None
