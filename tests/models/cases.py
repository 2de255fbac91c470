"""Continuations whose right answer is obvious, in English and Japanese, for ranking tests."""

from __future__ import annotations

# (prefix, right, wrong)
RANKING_CASES: list[tuple[str, str, str]] = [
    ("The capital of France is", " Paris", " Tokyo"),
    ("The capital of Japan is", " Tokyo", " Madrid"),
    ("The capital of Italy is", " Rome", " Oslo"),
    ("Water is made of hydrogen and", " oxygen", " cheese"),
    ("The opposite of hot is", " cold", " purple"),
    ("Monday, Tuesday,", " Wednesday", " January"),
    ("One, two, three, four,", " five", " banana"),
    ("The sun rises in the", " east", " refrigerator"),
    ("Cats say meow and dogs say", " woof", " quantum"),
    ("The largest planet in our solar system is", " Jupiter", " Paris"),
    ("To be or not to be, that is the", " question", " sandwich"),
    ("Snow is cold and fire is", " hot", " blue"),
    ("日本の首都は", "東京", "パリ"),
    ("フランスの首都は", "パリ", "大阪"),
    ("月曜日、火曜日、", "水曜日", "一月"),
    ("一、二、三、", "四", "猫"),
    ("富士山は日本で一番高い", "山", "魚"),
    ("犬はワンワン、猫は", "ニャー", "モー"),
    ("春、夏、秋、", "冬", "朝"),
    ("おはようございます。今日はいい", "天気", "冷蔵庫"),
]

# multi-token continuations for checking the token-by-token sum
MULTI_TOKEN: list[tuple[str, str]] = [
    ("The capital of France is", " the beautiful city of Paris"),
    ("日本の首都は", "東京都の千代田区です"),
]
