"""Hand-written items (Japanese and English) with the label a person would give them."""

from __future__ import annotations

from sakuin.classify.task import Label, Task

SENTIMENT = Task(
    "Classify the sentiment of each product review as positive or negative.",
    (
        Label(
            "positive",
            "the customer is happy",
            (
                {"review": "The battery lasts all day and the screen is gorgeous."},
                {"review": "使いやすくて、家族みんなが気に入っています。"},
            ),
        ),
        Label(
            "negative",
            "the customer is unhappy",
            (
                {"review": "届いた箱がつぶれていて、電源も入りませんでした。"},
                {"review": "It broke after one week. Waste of money."},
            ),
        ),
    ),
    ("review",),
    "Sentiment:",
    {"review": "Review"},
)

SENTIMENT_ITEMS = [
    ("Arrived quickly and works exactly as described.", "positive"),
    ("The battery died after a week. Very disappointed.", "negative"),
    ("Customer support solved my problem in minutes.", "positive"),
    ("Too expensive for what you get, and it feels cheap.", "negative"),
    ("My kids love it and use it every day.", "positive"),
    ("The manual is confusing and the app keeps crashing.", "negative"),
    ("Excellent quality, I would buy it again.", "positive"),
    ("It stopped working after two days and nobody answered my emails.", "negative"),
    ("Beautiful design and very comfortable to wear.", "positive"),
    ("The package arrived damaged and parts were missing.", "negative"),
    ("Great value for money, highly recommended.", "positive"),
    ("Terrible sound quality. I returned it.", "negative"),
    ("This is the best coffee maker I have ever owned.", "positive"),
    ("The zipper broke the first time I used it.", "negative"),
    ("Fast shipping and the fit is perfect.", "positive"),
    ("届いてすぐに使えて、とても便利です。", "positive"),
    ("一週間で壊れました。二度と買いません。", "negative"),
    ("サポートの対応が丁寧で安心しました。", "positive"),
    ("値段の割に品質が低く、がっかりしました。", "negative"),
    ("家族全員が気に入っています。", "positive"),
    ("説明書が分かりにくく、すぐに故障しました。", "negative"),
    ("音がとてもきれいで、毎日使っています。", "positive"),
    ("注文した色と違う商品が届きました。最悪です。", "negative"),
    ("軽くて持ち運びやすく、大満足です。", "positive"),
    ("充電がすぐ切れてしまい、使い物になりません。", "negative"),
    ("期待以上の品質で、また購入したいです。", "positive"),
    ("においがきつくて使えませんでした。", "negative"),
    ("デザインが可愛くて、友人にも褒められました。", "positive"),
    ("返品の手続きが面倒で、対応も悪かったです。", "negative"),
    ("とても美味しくて、すぐにリピートしました。", "positive"),
]

TOPIC = Task(
    "Classify each news headline by its topic.",
    (
        Label("sports", "games, athletes, matches"),
        Label("business", "companies, markets, the economy"),
        Label("science", "research, space, nature, technology"),
    ),
    ("headline",),
    "Topic:",
    {"headline": "Headline"},
)

TOPIC_ITEMS = [
    ("The home team won the championship final in extra time.", "sports"),
    ("The striker scored twice in the second half of the match.", "sports"),
    ("The tennis player reached the semi-final at Wimbledon.", "sports"),
    ("The pitcher threw a perfect game in the baseball league.", "sports"),
    ("The marathon runner set a new national record.", "sports"),
    ("Shares of the carmaker fell after weaker quarterly profits.", "business"),
    ("The central bank raised interest rates to fight inflation.", "business"),
    ("The retailer announced it will acquire a rival chain.", "business"),
    ("Oil prices rose as investors bought energy stocks.", "business"),
    ("The startup raised 50 million dollars from investors.", "business"),
    ("Astronomers discovered a new planet orbiting a nearby star.", "science"),
    ("Researchers sequenced the genome of an ancient plant.", "science"),
    ("A new telescope captured images of distant galaxies.", "science"),
    ("Scientists found water ice beneath the surface of Mars.", "science"),
    ("Physicists measured the mass of the neutrino more precisely.", "science"),
    ("サッカー日本代表がワールドカップ予選で勝利した。", "sports"),
    ("大谷選手が今季40本目のホームランを打った。", "sports"),
    ("横綱が千秋楽で優勝を決めた。", "sports"),
    ("マラソン大会で日本人選手が優勝した。", "sports"),
    ("バレーボールの試合で日本がブラジルに勝った。", "sports"),
    ("日経平均株価が3日ぶりに反落した。", "business"),
    ("大手銀行が新しい住宅ローン金利を発表した。", "business"),
    ("自動車メーカーの四半期決算は増益となった。", "business"),
    ("円安が進み、輸出企業の株価が上昇した。", "business"),
    ("小売大手が競合企業の買収を発表した。", "business"),
    ("研究チームが新しい小惑星を発見した。", "science"),
    ("火星探査機が地表の岩石を分析した。", "science"),
    ("科学者が新種の深海魚を発見した。", "science"),
    ("ノーベル物理学賞の研究が発表された。", "science"),
    ("遺伝子の働きを調べる新しい実験手法が開発された。", "science"),
]
