"""The paraphrase sweep and what the memorize page makes of it: at each N both arms see every fact
equally often, only diversity differs; replay is recorded with the point it trained (tiny model)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from sakuin.config import Settings
from sakuin.memorize.facts import write_facts
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.paraphrase import training_texts
from sakuin.memorize.report import comparison
from sakuin.memorize.sweep import MultipleChoice, adapted, interpolated, sweep, weight_curve
from tests.conftest import sakuin_command
from tests.memorize.conftest import FACTS
from tests.memorize.test_train import _environment

QUICK = TrainConfig(rank=2, alpha=4, batch_size=2)
GENERAL = [
    MultipleChoice("日本で一番高い山は？", ("富士山", "高尾山", "筑波山", "六甲山", "阿蘇山"), 0),
    MultipleChoice("What do bees make?", ("honey", "milk", "silk", "wool", "paper"), 0),
]


def test_both_arms_see_each_fact_equally_often_and_differ_only_in_diversity(tiny_base: Path) -> None:
    rows = sweep(tiny_base, FACTS, [1, 3], config=QUICK, general=GENERAL, generate=False)
    assert [(r["arm"], r["paraphrases"]) for r in rows] == [
        ("diverse", 1), ("repeated", 1), ("diverse", 3), ("repeated", 3)
    ]  # fmt: skip
    once_diverse, once_repeated, diverse, repeated = rows
    assert {**once_repeated, "arm": "diverse"} == once_diverse  # one restatement once is one run
    assert diverse["steps"] == repeated["steps"] == 5  # 3 facts x 3 exposures in batches of 2
    assert diverse["distinct_texts"] == 3 * len(FACTS) and repeated["distinct_texts"] == len(FACTS)
    for row in rows:
        assert 0 <= row["accuracy"] <= 1 and 1 <= row["mean_rank"] <= 5 and row["generation"] is None
        assert row["general_accuracy"] in (0.0, 0.5, 1.0) and row["replay_ratio"] == 0.0


def test_a_replayed_point_says_so_and_the_page_compares_it_with_the_same_point_without(
    tiny_base: Path,
) -> None:
    replaying = TrainConfig(rank=2, alpha=4, batch_size=2, replay_ratio=0.5)
    plain = sweep(tiny_base, FACTS, [2], arms=["diverse"], config=replaying, general=GENERAL, generate=False)
    replayed = sweep(
        tiny_base, FACTS, [2], arms=["diverse"], config=replaying, general=GENERAL,
        replay=["富士山は日本で一番高い山である。", "Bees make honey."], generate=False,
    )  # fmt: skip
    assert plain[0]["replay_ratio"] == 0.0 and replayed[0]["replay_ratio"] == 0.5
    results = {
        "base_general_accuracy": 0.5, "sweep": plain, "replay": replayed,
        "reference": {"retrieval": {"accuracy": 0.7, "generation": 0.4, "seconds_per_probe": 1.3}},
    }  # fmt: skip
    rows = comparison(results)
    assert [r["route"] for r in rows] == [
        "retrieval", "adapter (N = 2, diverse)", "adapter (N = 2, diverse, general replay 0.5)"
    ]  # fmt: skip
    assert rows[0]["general"] == 0.5 and rows[0]["cost"] == "1.3 s / probe"  # the base model reads
    assert [r["general"] for r in rows[1:]] == [plain[0]["general_accuracy"], replayed[0]["general_accuracy"]]


def test_the_sweep_command_runs_the_chosen_arms_with_replay_and_refuses_bad_lists(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    facts, replay = tmp_path / "facts.jsonl", tmp_path / "general.txt"
    write_facts(FACTS, facts)
    replay.write_text("富士山は日本で一番高い山である。\n\nBees make honey.\n", encoding="utf-8")

    def sweep_cli(*options: str) -> subprocess.CompletedProcess[str]:
        command = [*sakuin_command(), "memorize", "sweep", str(facts), "--batch", "2", *options]
        return subprocess.run(
            command,
            env={**_environment(tiny_settings), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    done = sweep_cli(
        "--paraphrases", "2", "--arms", "diverse", "--replay", str(replay), "--replay-ratio", "0.5", "--json"
    )
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert (row["arm"], row["paraphrases"], row["steps"], row["replay_ratio"]) == ("diverse", 2, 3, 0.5)
    assert row["replay_loss"] == "base"  # general text is replayed as the base model's predictions
    for options, problem in (
        (("--replay-loss", "kl"), "use text or base"),
        (("--arms", "sideways"), "use diverse, repeated or both"),
        (("--paraphrases", "1,ten"), "'1,ten' is not a comma-separated list of whole numbers"),
        (("--paraphrases", "0"), "every N must be at least 1"),
    ):
        refused = sweep_cli(*options)
        assert refused.returncode != 0 and problem in refused.stderr, refused.stderr


def test_an_update_used_at_a_weight_is_that_share_of_the_way_from_the_base_to_the_trained_model(
    tiny_base: Path,
) -> None:
    point = adapted(tiny_base, [t.text for t in training_texts(FACTS, 3, seed=0)], QUICK)
    base = AutoModelForCausalLM.from_pretrained(tiny_base, torch_dtype=torch.float32).state_dict()
    trained = point.model.model.state_dict()
    at = {w: interpolated(tiny_base, point, QUICK, w).model.state_dict() for w in (0.0, 0.5, 1.0)}
    changed = [k for k in base if k.endswith("q_proj.weight") and not torch.equal(base[k], trained[k])]
    assert changed, "training changed no attention weight"
    for key in changed:
        torch.testing.assert_close(at[0.0][key], base[key], rtol=0, atol=1e-6)
        torch.testing.assert_close(at[1.0][key], trained[key], rtol=0, atol=1e-6)
        half_way = (trained[key] - base[key]) / 2
        torch.testing.assert_close(at[0.5][key] - base[key], half_way, rtol=0, atol=1e-6)
    rows = weight_curve(tiny_base, FACTS, 3, [1.0, 0.0], config=QUICK, general=GENERAL)
    assert [r["weight"] for r in rows] == [1.0, 0.0] and rows[0]["train_s"] == rows[1]["train_s"]
    assert all(0 <= r["accuracy"] <= 1 and r["general_accuracy"] in (0.0, 0.5, 1.0) for r in rows)
