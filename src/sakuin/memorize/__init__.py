"""Knowledge injection: teach a model an organisation's facts with LoRA, and measure what it takes.

A fact set (:mod:`facts`) is restated in many sentence forms (:mod:`paraphrase`, from the
templates of :mod:`relations`), trained into a LoRA adapter (:mod:`train`), saved with a manifest
(:mod:`adapters`) and probed with question forms that never occur in training (:mod:`probes`).
What an adapter learnt from documents is usable only by those who may read all of them
(:mod:`permissions`); adapters combine with peft's weighted-adapter methods (:mod:`merge`).
"""

from __future__ import annotations

from sakuin.memorize.facts import Fact, FactSetError, load_facts

__all__ = ["Fact", "FactSetError", "load_facts"]
