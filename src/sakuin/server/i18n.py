"""The web page's words in Japanese and English; the language comes from a cookie or the browser."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

Language = Literal["ja", "en"]
LANGUAGE_COOKIE = "sakuin_lang"

MESSAGES: dict[str, dict[Language, str]] = {
    "app_title": {"ja": "索引 sakuin", "en": "sakuin (索引)"},
    "nav_knowledge": {"ja": "ナレッジ", "en": "Knowledge"},
    "nav_write": {"ja": "執筆", "en": "Write"},
    "nav_classify": {"ja": "分類", "en": "Classify"},
    "nav_curate": {"ja": "データ整備", "en": "Curate"},
    "curate_file": {
        "ja": "整備するコーパス (JSONL、1行1レコード) をドロップ、またはクリックして選択",
        "en": "Drop the corpus to curate (JSONL, one record per line), or click to choose",
    },
    "curate_threshold": {"ja": "品質のしきい値 (判定あり)", "en": "Quality threshold (runs the judge)"},
    "curate_pipeline": {"ja": "パイプライン (YAML、空なら既定)", "en": "Pipeline (YAML; empty: the default)"},
    "curate_kept": {"ja": "残したレコード", "en": "Kept"},
    "curate_removed": {"ja": "除去", "en": "removed"},
    "curate_bad": {"ja": "読めない行", "en": "bad lines"},
    "curate_seen": {"ja": "入力", "en": "seen"},
    "curate_reasons": {"ja": "理由", "en": "reasons"},
    "curate_chart": {"ja": "品質の分布", "en": "Quality histogram"},
    "nav_simulate": {"ja": "シミュレーション", "en": "Simulate"},
    "nav_jobs": {"ja": "ジョブ", "en": "Jobs"},
    "nav_vision": {"ja": "画像", "en": "Vision"},
    "vision_intro": {
        "ja": "画像の中からプロンプトが指すもの（COCO の80ラベル）を検出します。画像は保存されません。",
        "en": "Detects what the prompt names (the 80 COCO labels) in an image. The image is not stored.",
    },
    "vision_image": {"ja": "画像", "en": "Image"},
    "vision_prompt": {"ja": "何を探すか", "en": "What to find"},
    "vision_placeholder": {"ja": "例: 野菜を検出して", "en": "e.g. detect the vegetables"},
    "vision_classify": {"ja": "画像全体を分類 (ImageNet)", "en": "Classify the whole image (ImageNet)"},
    "vision_read": {"ja": "文字を読む (OCR)", "en": "Read the text (OCR)"},
    "vision_submit": {"ja": "検出", "en": "Detect"},
    "vision_found": {"ja": "結果", "en": "Result"},
    "vision_boxed": {"ja": "枠を描いた画像", "en": "The image with its boxes"},
    "vision_labels": {"ja": "使ったラベル", "en": "Labels used"},
    "vision_classes": {"ja": "分類", "en": "Classes"},
    "vision_text": {"ja": "読み取った文字", "en": "Text read"},
    "vision_question": {"ja": "画像についての質問（任意）", "en": "A question about the image (optional)"},
    "vision_question_placeholder": {"ja": "例: この人はなぜ転んだのですか？", "en": "e.g. why did he fall?"},
    "vision_question_hint": {
        "ja": "答えるのは設定 vision.vlm_url の視覚言語モデルです。"
        "未設定なら、手元のモデルが見たものだけを返します。",
        "en": "Answered by the vision-language model of the vision.vlm_url setting; without one, "
        "the answer lists only what the local models saw.",
    },
    "vision_answer": {"ja": "質問への答え", "en": "Answer"},
    "nav_memorize": {"ja": "記憶", "en": "Memorize"},
    "memorize_intro": {
        "ja": "事実を LoRA アダプタとして重みに覚えさせます。使えるのは元の文書をすべて読める人だけです。",
        "en": "Teaches the model facts as a LoRA adapter, usable only by who may read all its sources.",
    },
    "memorize_adapters": {"ja": "使えるアダプタ", "en": "Adapters you may use"},
    "memorize_no_adapters": {"ja": "使えるアダプタはまだありません。", "en": "No adapter you may use yet."},
    "memorize_name": {"ja": "名前", "en": "Name"},
    "memorize_owner": {"ja": "作成者", "en": "Owner"},
    "memorize_facts": {"ja": "事実", "en": "Facts"},
    "memorize_base": {"ja": "ベースモデル", "en": "Base model"},
    "memorize_sources": {"ja": "元の文書", "en": "Source documents"},
    "memorize_created": {"ja": "作成日時", "en": "Created"},
    "memorize_curve": {"ja": "言い換え回数と想起率", "en": "Recall against restatements"},
    "memorize_fictional": {"ja": "件の架空の事実", "en": "fictional facts"},
    "memorize_probes": {"ja": "問（学習に無い質問形）", "en": "probes (question forms never trained on)"},
    "memorize_axis": {"ja": "1事実あたりの言い換え回数 N", "en": "restatements (exposures) per fact, N"},
    "memorize_chance": {"ja": "偶然", "en": "chance"},
    "memorize_no_results": {"ja": "ベンチマーク結果がありません:", "en": "No benchmark results yet; run"},
    "memorize_comparison": {"ja": "同じ問での比較", "en": "The same probes, by route"},
    "memorize_route": {"ja": "方法", "en": "Route"},
    "memorize_by_score": {"ja": "想起率（スコア）", "en": "Recall (score)"},
    "memorize_by_generation": {"ja": "想起率（生成）", "en": "Recall (generation)"},
    "memorize_cost": {"ja": "コスト", "en": "Cost"},
    "memorize_forgetting": {"ja": "忘却: 2つ目の事実集合を上に学習", "en": "Forgetting: a second set on top"},
    "memorize_stage": {"ja": "段階", "en": "Stage"},
    "memorize_recall_first": {"ja": "1つ目の想起率", "en": "Recall, first set"},
    "memorize_recall_second": {"ja": "2つ目の想起率", "en": "Recall, second set"},
    "memorize_perplexity": {"ja": "一般文のパープレキシティ", "en": "General-text perplexity"},
    "memorize_train_s": {"ja": "学習秒", "en": "Training s"},
    "nav_admin": {"ja": "管理", "en": "Admin"},
    "logout": {"ja": "ログアウト", "en": "Log out"},
    "login": {"ja": "ログイン", "en": "Log in"},
    "user": {"ja": "ユーザー名", "en": "User name"},
    "password": {"ja": "パスワード", "en": "Password"},
    "login_failed": {"ja": "ユーザー名またはパスワードが違います", "en": "Wrong user name or password"},
    "upload": {"ja": "アップロード", "en": "Upload"},
    "drop_here": {
        "ja": "ここにファイルをドロップ、またはクリックして選択",
        "en": "Drop files here, or click to choose",
    },
    "readers": {"ja": "閲覧者", "en": "Readers"},
    "readers_hint": {
        "ja": "例: group:sales,user:bob または everyone",
        "en": "e.g. group:sales,user:bob or everyone",
    },
    "documents": {"ja": "文書", "en": "Documents"},
    "title": {"ja": "タイトル", "en": "Title"},
    "updated": {"ja": "更新", "en": "Updated"},
    "chunks": {"ja": "チャンク", "en": "Chunks"},
    "server_path": {"ja": "サーバー上のパス", "en": "On the server"},
    "delete": {"ja": "削除", "en": "Delete"},
    "share": {"ja": "共有", "en": "Share"},
    "search": {"ja": "検索", "en": "Search"},
    "search_placeholder": {"ja": "検索語を入力", "en": "What are you looking for?"},
    "no_results": {"ja": "閲覧できる文書に該当なし", "en": "No readable document matches"},
    "no_documents": {"ja": "閲覧できる文書はまだありません", "en": "No documents you can read yet"},
    "jobs": {"ja": "ジョブ", "en": "Jobs"},
    "new_ingest_job": {"ja": "一括取り込みジョブ", "en": "Bulk ingest job"},
    "submit": {"ja": "実行", "en": "Submit"},
    "cancel": {"ja": "キャンセル", "en": "Cancel"},
    "status": {"ja": "状態", "en": "Status"},
    "progress": {"ja": "進捗", "en": "Progress"},
    "results": {"ja": "結果", "en": "Results"},
    "kind": {"ja": "種類", "en": "Kind"},
    "no_jobs": {"ja": "ジョブはまだありません", "en": "No jobs yet"},
    "users": {"ja": "ユーザー", "en": "Users"},
    "groups": {"ja": "グループ", "en": "Groups"},
    "members": {"ja": "メンバー", "en": "Members"},
    "add": {"ja": "追加", "en": "Add"},
    "admin": {"ja": "管理者", "en": "Admin"},
    "can_log_in": {"ja": "ログイン可", "en": "Can log in"},
    "signed_in_as": {"ja": "ログイン中:", "en": "Signed in as"},
    "error": {"ja": "エラー", "en": "Error"},
    "close": {"ja": "閉じる", "en": "Close"},
    "write_request": {"ja": "依頼・質問", "en": "Request or question"},
    "write_placeholder": {
        "ja": "例: ホシゾラ X3 の営業向け紹介文を書いてください。",
        "en": "e.g. Write a short introduction to the Kumo Arm R2.",
    },
    "write_submit": {"ja": "書く", "en": "Write"},
    "mode": {"ja": "方式", "en": "Mode"},
    "style": {"ja": "文体", "en": "Style"},
    "length": {"ja": "文字数", "en": "Length (characters)"},
    "tone": {"ja": "トーン", "en": "Tone"},
    "automatic": {"ja": "自動", "en": "Automatic"},
    "answer": {"ja": "回答", "en": "Answer"},
    "sources": {"ja": "出典", "en": "Sources"},
    "refused": {
        "ja": "閲覧できる資料では裏付けられないため、書きませんでした。",
        "en": "Not written: nothing you may read supports it.",
    },
    "writing": {"ja": "執筆中…", "en": "Writing…"},
    "used": {"ja": "使用", "en": "Used"},
    "job": {"ja": "ジョブ", "en": "Job"},
    "download": {"ja": "ダウンロード", "en": "Download"},
    "classify_file": {
        "ja": "分類する表 (CSV・JSONL・Parquet) をドロップ、またはクリックして選択",
        "en": "Drop the table to classify (CSV, JSONL or Parquet), or click to choose",
    },
    "labels": {"ja": "ラベル", "en": "Labels"},
    "labels_hint": {"ja": "例: 肯定,否定", "en": "e.g. positive,negative"},
    "instruction": {"ja": "指示", "en": "Instruction"},
    "instruction_hint": {
        "ja": "例: レビューは肯定的か否定的か",
        "en": "e.g. Is the review positive or negative?",
    },
    "text_column": {"ja": "テキスト列", "en": "Text column"},
    "engine": {"ja": "エンジン", "en": "Engine"},
    "skipped": {"ja": "スキップ", "en": "skipped"},
    "labels_chart": {"ja": "ラベルごとの件数", "en": "Rows per label"},
    "simulate_request": {"ja": "シミュレーションの依頼", "en": "What to simulate"},
    "simulate_placeholder": {
        "ja": "例: EMT で銅の体積弾性率を計算してください。",
        "en": "e.g. Compute the bulk modulus of copper with EMT",
    },
    "calculator": {"ja": "ポテンシャル", "en": "Calculator"},
    "script": {"ja": "生成されたスクリプト", "en": "Generated script"},
    "not_converged": {"ja": "収束しなかった構造", "en": "Not converged"},
}


def language_of(request: Request) -> Language:
    """``?lang=`` beats the cookie, which beats the browser's Accept-Language; default Japanese."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in ("ja", "en"):
        return chosen  # type: ignore[return-value]
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "ja"


def translations(language: Language) -> dict[str, str]:
    return {key: words[language] for key, words in MESSAGES.items()}
