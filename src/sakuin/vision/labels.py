"""A prompt in Japanese or English to the labels a fixed-vocabulary model knows, saying how.

"野菜を検出して" and "detect the vegetables" both mean broccoli and carrot to the COCO detector.
A curated table holds each label's Japanese and English names and a few hypernyms (vegetable,
乗り物, 食器...), matched first; words the table lacks go to the multilingual embedder, which maps
a word to the nearest label only when it is both close and clearly closer than the runner-up
(its similarities between unrelated words are high, ~0.83, so closeness alone proves nothing).
A word that maps nowhere is reported with its nearest labels, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import fugashi
import numpy as np

from sakuin.embeddings.base import Embedder

COCO_LABELS = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

# Each COCO label's Japanese names (the first is shown) and English synonyms beside its own name.
NAMES: dict[str, tuple[str, ...]] = {
    "person": ("人", "人物", "人間", "ひと", "人々", "男性", "女性", "子供", "子ども", "宇宙飛行士",
               "歩行者", "通行人", "スケーター", "選手", "乗客",
               "people", "human", "man", "woman", "child", "kid", "boy", "girl", "astronaut",
               "pedestrian", "skateboarder", "player", "passenger"),
    "bicycle": ("自転車", "チャリ", "bike"),
    "car": ("車", "自動車", "乗用車", "クルマ", "タクシー", "automobile", "taxi"),
    "motorcycle": ("バイク", "オートバイ", "スクーター", "motorbike", "scooter"),
    "airplane": ("飛行機", "航空機", "旅客機", "ジェット機", "plane", "aeroplane", "aircraft", "jet"),
    "bus": ("バス",),
    "train": ("電車", "列車", "新幹線", "鉄道", "railway"),
    "truck": ("トラック", "lorry"),
    "boat": ("船", "ボート", "船舶", "ship"),
    "traffic light": ("信号", "信号機", "traffic signal"),
    "fire hydrant": ("消火栓", "hydrant"),
    "stop sign": ("一時停止標識", "止まれ"),
    "parking meter": ("パーキングメーター",),
    "bench": ("ベンチ",),
    "bird": ("鳥", "とり"),
    "cat": ("猫", "ねこ", "ネコ", "子猫", "kitten", "kitty"),
    "dog": ("犬", "いぬ", "イヌ", "子犬", "puppy"),
    "horse": ("馬", "うま"),
    "sheep": ("羊", "ひつじ"),
    "cow": ("牛", "うし", "cattle"),
    "elephant": ("象", "ゾウ"),
    "bear": ("熊", "クマ"),
    "zebra": ("シマウマ",),
    "giraffe": ("キリン",),
    "backpack": ("リュック", "リュックサック", "バックパック", "rucksack"),
    "umbrella": ("傘", "かさ"),
    "handbag": ("ハンドバッグ", "purse"),
    "tie": ("ネクタイ", "necktie"),
    "suitcase": ("スーツケース", "キャリーケース"),
    "frisbee": ("フリスビー",),
    "skis": ("スキー", "ski"),
    "snowboard": ("スノーボード",),
    "sports ball": ("ボール", "ball", "football", "soccer ball", "basketball"),
    "kite": ("凧", "たこ"),
    "baseball bat": ("バット", "bat"),
    "baseball glove": ("グローブ", "グラブ", "glove"),
    "skateboard": ("スケートボード", "スケボー"),
    "surfboard": ("サーフボード",),
    "tennis racket": ("ラケット", "テニスラケット", "racket"),
    "bottle": ("瓶", "ボトル", "ペットボトル"),
    "wine glass": ("ワイングラス", "グラス", "glass"),
    "cup": ("カップ", "コップ", "湯呑み", "マグカップ", "マグ", "コーヒーカップ",
            "mug", "teacup", "coffee cup"),
    "fork": ("フォーク",),
    "knife": ("ナイフ", "包丁"),
    "spoon": ("スプーン",),
    "bowl": ("ボウル", "お椀", "丼", "茶碗"),
    "banana": ("バナナ",),
    "apple": ("りんご", "リンゴ", "林檎"),
    "sandwich": ("サンドイッチ",),
    "orange": ("オレンジ", "みかん"),
    "broccoli": ("ブロッコリー",),
    "carrot": ("にんじん", "人参", "ニンジン"),
    "hot dog": ("ホットドッグ", "hotdog"),
    "pizza": ("ピザ",),
    "donut": ("ドーナツ", "doughnut"),
    "cake": ("ケーキ",),
    "chair": ("椅子", "いす", "イス", "チェア"),
    "couch": ("ソファ", "ソファー", "sofa"),
    "potted plant": ("観葉植物", "鉢植え", "植木", "plant", "houseplant"),
    "bed": ("ベッド",),
    "dining table": ("テーブル", "食卓", "机", "table", "desk"),
    "toilet": ("トイレ", "便器"),
    "tv": ("テレビ", "television", "monitor", "screen"),
    "laptop": ("ノートパソコン", "パソコン", "ノートPC", "notebook", "computer", "pc"),
    "mouse": ("マウス",),
    "remote": ("リモコン", "remote control"),
    "keyboard": ("キーボード",),
    "cell phone": ("携帯電話", "スマホ", "スマートフォン", "携帯", "phone", "smartphone", "mobile phone"),
    "microwave": ("電子レンジ", "レンジ", "microwave oven"),
    "oven": ("オーブン",),
    "toaster": ("トースター",),
    "sink": ("流し", "シンク", "洗面台"),
    "refrigerator": ("冷蔵庫", "fridge"),
    "book": ("本", "書籍", "ほん"),
    "clock": ("時計", "とけい", "watch"),
    "vase": ("花瓶",),
    "scissors": ("はさみ", "ハサミ", "鋏"),
    "teddy bear": ("ぬいぐるみ", "テディベア"),
    "hair drier": ("ドライヤー", "hair dryer", "hairdryer"),
    "toothbrush": ("歯ブラシ",),
}  # fmt: skip

# Words for a kind of thing, each to the labels it covers (curated: an embedder cannot know that a
# carrot is a vegetable and a banana is not).
HYPERNYMS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("vegetable", "veggie", "野菜", "やさい"): ("broccoli", "carrot"),
    ("fruit", "果物", "くだもの", "フルーツ"): ("banana", "apple", "orange"),
    ("vehicle", "乗り物", "車両", "のりもの", "transport"): (
        "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"),
    ("animal", "動物", "生き物", "どうぶつ"): (
        "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"),
    ("pet", "ペット"): ("cat", "dog"),
    ("livestock", "farm animal", "家畜"): ("horse", "sheep", "cow"),
    ("food", "食べ物", "食べもの", "料理", "食品", "たべもの"): (
        "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake"),
    ("sweets", "dessert", "お菓子", "スイーツ", "デザート"): ("donut", "cake"),
    ("furniture", "家具"): ("chair", "couch", "bed", "dining table"),
    ("tableware", "dishes", "食器"): ("cup", "fork", "knife", "spoon", "bowl", "wine glass"),
    ("cutlery", "silverware", "カトラリー"): ("fork", "knife", "spoon"),
    ("drink", "飲み物", "beverage"): ("cup", "bottle", "wine glass"),
    ("electronics", "device", "gadget", "電子機器", "機器", "デバイス"): (
        "tv", "laptop", "mouse", "remote", "keyboard", "cell phone"),
    ("appliance", "家電", "家電製品"): ("microwave", "oven", "toaster", "refrigerator", "tv", "hair drier"),
    ("sports equipment", "sport", "スポーツ用品", "運動用具"): (
        "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
        "skateboard", "surfboard", "tennis racket"),
    ("bag", "かばん", "鞄", "カバン", "バッグ", "バッグ類", "荷物", "luggage", "baggage"): (
        "backpack", "handbag", "suitcase"),
}  # fmt: skip
# Words for a place or setting, each to the labels found there. Beside a hypernym they narrow it
# ("kitchen appliances", "野生動物": the appliances of a kitchen, the animals of the wild); alone
# they stand for what is found there ("台所にあるもの"). A specific name is never narrowed.
SCENES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("kitchen", "キッチン", "台所"): (
        "microwave", "oven", "toaster", "sink", "refrigerator", "knife", "fork", "spoon", "bowl", "cup",
        "bottle", "wine glass", "dining table"),
    ("wild", "wildlife", "野生", "サバンナ", "savanna", "zoo", "動物園"): (
        "bird", "elephant", "bear", "zebra", "giraffe"),
    ("farm", "農場", "牧場"): ("horse", "sheep", "cow"),
    ("office", "オフィス", "事務所", "職場"): (
        "laptop", "mouse", "keyboard", "cell phone", "chair", "book", "clock", "tv", "dining table"),
    ("bathroom", "浴室", "洗面所", "バスルーム"): ("toilet", "sink", "toothbrush", "hair drier"),
    ("street", "road", "traffic", "路上", "道路", "街", "交通"): (
        "person", "bicycle", "car", "motorcycle", "bus", "truck", "traffic light", "fire hydrant",
        "stop sign", "parking meter", "bench"),
    ("living room", "リビング", "居間"): (
        "couch", "tv", "remote", "chair", "potted plant", "clock", "vase", "book"),
    ("bedroom", "寝室"): ("bed", "clock", "teddy bear", "book"),
    ("winter sports", "snow", "雪", "ゲレンデ"): ("skis", "snowboard"),
    ("beach", "sea", "海", "ビーチ"): ("boat", "surfboard", "umbrella", "kite"),
}  # fmt: skip
# Words for objects in general: alone they ask for every label; after a word that says which
# ("winter sports gear", 野球の道具) they leave the asking to it.
EVERYTHING = frozenset({"everything", "anything", "object", "objects", "thing", "things", "item",
                        "items", "stuff", "gear", "equipment", "何でも", "なんでも", "全部", "すべて",
                        "全て", "物体", "もの", "物", "道具", "用品", "グッズ", "アイテム"})  # fmt: skip
DESCRIBES = "describes what follows"
_VERB_FORM = re.compile(r"..(?:ing|ed)$")

# English words of a request that name no object ("detect the ... in this picture").
STOPWORDS = frozenset(
    {
        "a", "an", "the", "all", "any", "every", "some", "each", "of", "in", "on", "at", "to", "for",
        "from", "with", "and", "or", "this", "that", "these", "those", "there", "here", "is", "are", "be",
        "it", "its", "me", "my", "our", "please", "can", "could", "would", "you", "find", "detect", "show",
        "locate", "mark", "highlight", "draw", "box", "boxes", "around", "where", "which", "what", "how",
        "many", "count", "look", "see", "picture", "image", "photo", "photograph", "label", "labels",
        "identify", "spot", "point", "out", "get", "give", "list", "tell", "them", "their", "one", "ones",
        "do", "does",
    }
)  # fmt: skip
# Japanese nouns of a request that name no object ("この写真の中の...を検出して").
JA_STOPWORDS = frozenset(
    {
        "写真", "画像", "中", "検出", "全部", "物体", "何", "なに", "上", "下", "左", "右", "数",
        "枚", "個", "ここ", "そこ", "どこ",
        "箇所", "場所", "位置", "枠", "結果", "一覧", "認識", "表示", "確認", "種類", "部分",
    }
)  # fmt: skip
# Embedding fallback: map only when close and clearly closer than the second-nearest label.
MIN_SIMILARITY = 0.885
MIN_MARGIN = 0.03
SURE_SIMILARITY = 0.92
# A compound's head names it only when it is a word of its own: 二輪車 ends in 車 but is no car.
MIN_HEAD_CHARS = 2


@dataclass(frozen=True)
class TermMapping:
    """One word of the prompt and the labels it became (``via``: table, hypernym or embedder)."""

    term: str
    labels: tuple[str, ...]
    via: str
    score: float | None = None


@dataclass(frozen=True)
class Unmapped:
    """A word of the prompt that names no label, with the labels nearest to it."""

    term: str
    nearest: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class LabelMapping:
    """What a prompt asks for in a model's label set, and how each word got there."""

    prompt: str
    labels: tuple[str, ...]
    terms: tuple[TermMapping, ...] = ()
    unmapped: tuple[Unmapped, ...] = ()
    everything: bool = False

    def explain(self) -> str:
        """One line per word, as the CLI and the Vision page say it."""
        lines = [f"{t.term} → {', '.join(t.labels)} ({t.via})" if t.labels else f"{t.term}: {t.via}"
                 for t in self.terms]  # fmt: skip
        if self.everything:
            lines.append("every label (the prompt names no particular object)")
        for miss in self.unmapped:
            near = ", ".join(f"{label} {score:.2f}" for label, score in miss.nearest)
            lines.append(f"{miss.term}: no known label; nearest: {near}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "prompt": self.prompt,
            "labels": list(self.labels),
            "everything": self.everything,
            "terms": [{"term": t.term, "labels": list(t.labels), "via": t.via, "score": t.score}
                      for t in self.terms],
            "unmapped": [{"term": u.term, "nearest": [{"label": n, "similarity": s} for n, s in u.nearest]}
                         for u in self.unmapped],
        }  # fmt: skip


@cache
def _table(labels: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], str]]:
    """Lower-cased name → (labels, how) for the given label set."""
    table: dict[str, tuple[tuple[str, ...], str]] = {}
    for words, covered in HYPERNYMS.items():
        kept = tuple(label for label in covered if label in labels)
        for word in words:
            if kept:
                table[word.lower()] = (kept, "hypernym")
    for label in labels:
        for name in (label, *NAMES.get(label, ())):
            table[name.lower()] = ((label,), "table")
    return table


class LabelMapper:
    """Prompts to the labels of one fixed label set (COCO-80 by default)."""

    def __init__(self, embedder: Embedder | None, labels: Sequence[str] = COCO_LABELS) -> None:
        self.embedder = embedder
        self.labels = tuple(labels)
        self.table = _table(self.labels)
        self._names: tuple[list[tuple[str, ...]], np.ndarray] | None = None

    def map(self, prompt: str) -> LabelMapping:
        """The labels ``prompt`` names; every word is accounted for in the result."""
        text = unicodedata.normalize("NFKC", prompt).lower().strip()
        terms: list[TermMapping] = []
        scenes: list[str] = []
        english = re.sub(r"[^\x00-\x7f]", " ", text)
        english = _take_scenes(self._take_english_names(english, terms), scenes)
        words = self._english_heads(english, terms) + self._japanese_words(text, terms, scenes)
        everything = not words and not terms and not scenes
        if any(w in EVERYTHING for w in words):
            everything, words = True, [w for w in words if w not in EVERYTHING]
        unmapped: list[Unmapped] = []
        for word in words:
            found = self._lookup(word)
            if isinstance(found, TermMapping):
                terms.append(found)
            else:
                unmapped.append(found)
        terms = self._in_scenes(terms, scenes, alone=not unmapped)
        labels = tuple(dict.fromkeys(label for term in terms for label in term.labels))
        everything = everything and not labels and not unmapped
        return LabelMapping(
            prompt, self.labels if everything else labels, tuple(terms), tuple(unmapped), everything
        )

    @staticmethod
    def _english_heads(english: str, terms: list[TermMapping]) -> list[str]:
        """The head word of each English phrase, to look up; the words before it describe it."""
        heads = []
        for phrase in english_phrases(english):
            head = _head(phrase)
            heads.append(phrase[head])
            terms += [TermMapping(w, (), DESCRIBES) for i, w in enumerate(phrase) if i != head]
        return heads

    def _japanese_words(self, text: str, terms: list[TermMapping], scenes: list[str]) -> list[str]:
        """Japanese noun runs into table terms and settings; what the table lacks, to look up.

        In AのB the B is asked for and A describes it, unless B is a word for objects in general
        (野球の道具: the baseball things) or A is a setting (台所の家電: it narrows B).
        """
        words: list[str] = []
        runs = japanese_nouns(text)
        for index, (parts, modifies) in enumerate(runs):
            compound = "".join(parts)
            generic_next = index + 1 < len(runs) and "".join(runs[index + 1][0]) in EVERYTHING
            if not compound:
                continue
            if modifies and compound not in SCENE_TABLE:
                if generic_next:
                    words.append(compound)
                    runs[index + 1] = ((), False)
                elif compound not in JA_STOPWORDS:
                    terms.append(TermMapping(compound, (), DESCRIBES + " (AのB asks for B)"))
            elif compound in self.table:
                labels, via = self.table[compound]
                terms.append(TermMapping(compound, labels, via))
            elif compound in SCENE_TABLE:
                scenes.append(compound)
            elif (headed := self._japanese_compound(parts, scenes)) is not None:
                terms.append(headed)
            elif compound not in JA_STOPWORDS:
                words.append(compound)
        return words

    def _japanese_compound(self, parts: tuple[str, ...], scenes: list[str]) -> TermMapping | None:
        """A compound the table lacks by its head, the table's longest final part (Japanese
        compounds end in what they name: 子供用自転車 is a bicycle); a leading setting is kept
        to narrow it (キッチン家電, 野生動物)."""
        for cut in range(1, len(parts)):
            head, modifier = "".join(parts[cut:]), "".join(parts[:cut])
            if len(head) >= MIN_HEAD_CHARS and head in self.table:
                if modifier in SCENE_TABLE:
                    scenes.append(modifier)
                labels, via = self.table[head]
                return TermMapping("".join(parts), labels, f"{via} ({head})")
        return None

    def _in_scenes(self, terms: list[TermMapping], scenes: list[str], *, alone: bool) -> list[TermMapping]:
        """Hypernyms narrowed to the labels of the prompt's settings; a setting ``alone`` (the
        prompt names nothing else, not even a word no label matches) stands for what is found
        there; one beside specific names only is said to narrow nothing."""
        if not scenes:
            return terms
        found = {label for scene in scenes for label in SCENE_TABLE[scene] if label in self.labels}
        where = ", ".join(dict.fromkeys(scenes))
        narrowed = []
        for term in terms:
            kept = tuple(label for label in term.labels if label in found)
            if len(term.labels) > 1 and kept:  # a kind (by the table or the embedder), not a name
                narrowed.append(TermMapping(term.term, kept, f"{term.via} in {where}"))
            else:
                narrowed.append(term)
        if not terms and alone:
            return [TermMapping(where, tuple(label for label in self.labels if label in found), "setting")]
        if narrowed == terms:
            narrowed.append(TermMapping(where, (), "setting: narrows nothing named here"))
        return narrowed

    def _take_english_names(self, text: str, terms: list[TermMapping]) -> str:
        """Find the table's English names (plural or not) in ``text``, longest first; blank them out."""
        for name in sorted((n for n in self.table if n.isascii() and " " in n), key=len, reverse=True):
            match = re.search(rf"\b{re.escape(name)}(?:s|es)?\b", text)
            if match:
                labels, via = self.table[name]
                terms.append(TermMapping(match.group(), labels, via))
                text = text[: match.start()] + " " + text[match.end() :]
        return text

    def _lookup(self, word: str) -> TermMapping | Unmapped:
        forms = (word, word.removesuffix("s"), word.removesuffix("es"), re.sub(r"ies$", "y", word))
        for form in forms:
            if form in self.table:
                labels, via = self.table[form]
                return TermMapping(word, labels, via)
        return self._embedded(word)

    def _embedded(self, word: str) -> TermMapping | Unmapped:
        """The label or kind whose nearest name is close to ``word`` and clearly closer than any
        other's; else the word is unmapped, with the nearest labels."""
        if self.embedder is None:
            return Unmapped(word, ())
        if self._names is None:
            self._names = self._name_vectors(self.embedder)
        targets, vectors = self._names
        similarity = vectors @ self.embedder.embed_queries([word])[0]
        best: dict[tuple[str, ...], float] = {}
        for target, score in zip(targets, similarity.tolist(), strict=True):
            best[target] = max(score, best.get(target, -1.0))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        (labels, top), (_, second) = ranked[0], ranked[1]
        if top >= SURE_SIMILARITY or (top >= MIN_SIMILARITY and top - second >= MIN_MARGIN):
            return TermMapping(word, labels, "embedder", round(top, 3))
        nearest = [(target[0], score) for target, score in ranked if len(target) == 1][:5]
        return Unmapped(word, tuple((label, round(score, 3)) for label, score in nearest))

    def _name_vectors(self, embedder: Embedder) -> tuple[list[tuple[str, ...]], np.ndarray]:
        """Every name of every label and of every kind, with the labels it stands for."""
        named: list[tuple[str, tuple[str, ...]]] = [
            (name, (label,)) for label in self.labels for name in (label, *NAMES.get(label, ()))
        ]
        for words, covered in HYPERNYMS.items():
            kept = tuple(label for label in covered if label in self.labels)
            named += [(word, kept) for word in words if kept]
        vectors = embedder.embed_queries([name for name, _ in named])
        return [labels for _, labels in named], vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@cache
def _tagger() -> fugashi.Tagger:
    return fugashi.Tagger()


NOUN_PARTS = frozenset({"名詞", "接尾辞", "接頭辞"})


def english_phrases(text: str) -> list[list[str]]:
    """Runs of English content words in ``text``: a stop word, punctuation or a name already
    taken out (left as a wider gap) ends a run, and a verb form ("riding", "parked") begins
    one ("a man riding a bike" names a man and a bike; "parked cars" are cars)."""
    phrases: list[list[str]] = [[]]
    for token in re.finditer(r"[a-z][a-z'-]*|[^a-z\s]+|\s{2,}", text):
        word = token.group()
        if not word[0].isalpha() or word in STOPWORDS:
            phrases.append([])
        elif _VERB_FORM.search(word):  # ends the phrase before it; "eating utensils" goes on
            phrases.append([word])
        else:
            phrases[-1].append(word)
    return [phrase for phrase in phrases if phrase]


def _head(phrase: list[str]) -> int:
    """Which word of an English noun phrase names the thing: the last ("computer peripherals"
    are peripherals), unless it is a word for objects in general ("winter sports gear")."""
    last = len(phrase) - 1
    return last - 1 if last > 0 and phrase[last] in EVERYTHING else last


def japanese_nouns(text: str) -> list[tuple[tuple[str, ...], bool]]:
    """Runs of Japanese nouns (with their prefixes and suffixes: 宇宙+船) in ``text``, in order,
    each as its words and whether it modifies the next run through の (クマのぬいぐるみ asks for
    the stuffed toy, not the bear)."""
    runs: list[tuple[tuple[str, ...], int]] = []  # a run's words and the index of the word after it
    current: list[str] = []
    words = list(_tagger()(text))
    for index, word in enumerate(words):
        if word.feature.pos1 in NOUN_PARTS and not word.surface.isascii():
            current.append(word.surface)
        elif current:
            runs.append((tuple(current), index))
            current = []
    if current:
        runs.append((tuple(current), len(words)))
    starts = {end - len(parts) for parts, end in runs}
    return [
        (parts, end < len(words) and words[end].surface == "の" and end + 1 in starts) for parts, end in runs
    ]


SCENE_TABLE: dict[str, tuple[str, ...]] = {
    word.lower(): labels for words, labels in SCENES.items() for word in words
}


def _take_scenes(text: str, scenes: list[str]) -> str:
    """Find the settings' English words in ``text`` (longest first), note them, blank them out."""
    for word in sorted((w for w in SCENE_TABLE if w.isascii()), key=len, reverse=True):
        match = re.search(rf"\b{re.escape(word)}s?\b", text)
        if match:
            scenes.append(word)
            text = text[: match.start()] + " " + text[match.end() :]
    return text
