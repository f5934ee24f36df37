"""A small, fixed question bank in a temp content folder, so tests do not follow the real bank.

`write_bank(folder)` copies the article's content files (questions.yaml, tips.yaml,
guides.yaml) and writes `questions/` with four short topic files in the format
`prep.content.loader.parse_topic_file` reads. Point `PREP_CONTENT_DIR` at the folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"

# topic id -> (title, [(question id, level, title)]), in the order index.yaml gives
BANK = {
    "databases": (
        "Databases and SQL",
        [
            ("db-index", "junior", "How an index works"),
            ("db-n-plus-one", "mid", "The N+1 query problem"),
            ("db-isolation", "senior", "Isolation levels"),
        ],
    ),
    "caching": (
        "Caching",
        [
            ("cache-invalidation", "mid", "Cache invalidation"),
            ("cache-stampede", "senior", "Cache stampedes"),
        ],
    ),
    "testing": ("Testing and quality", [("test-pyramid", "junior", "The testing pyramid")]),
    "behavioural": (
        "Behavioural and situational",
        [
            ("beh-conflict", "mid", "A conflict in your team"),
            ("beh-failure", "junior", "A project that failed"),
        ],
    ),
}
ORDER = list(BANK)
ARTICLE = ["first-involved", "past-role", "language-limits", "five-years"]
BANK_IDS = [qid for _title, questions in BANK.values() for qid, _level, _t in questions]
TOPIC_OF = {
    **dict.fromkeys(ARTICLE, "background"),
    **{qid: topic for topic, (_t, qs) in BANK.items() for qid, _l, _x in qs},
}
LEVEL_OF = {
    **dict.fromkeys(ARTICLE),
    **{qid: level for _t, qs in BANK.values() for qid, level, _x in qs},
}


def _question(qid: str, level: str, title: str) -> dict:
    words = title.lower()
    return {
        "id": qid,
        "level": level,
        "title": title,
        "prompt": f"Tell me about {words}.",
        "why_asked": [f"It shows whether you understand {words}."],
        "talking_points": [
            {"id": "define", "text": f"Say what {words} means.", "signals": ["means", "is when"]},
            {"id": "example", "text": "Give an example.", "signals": ["for example"]},
            {"id": "trade-off", "text": "Name a trade-off.", "signals": ["trade-off", "costs"]},
            {"id": "result", "text": "Say what came of it.", "signals": ["as a result"]},
        ],
        "pitfalls": ["Staying abstract."],
        "example_outline": ["Define it.", "Give an example.", "Name the cost."],
        "target_seconds": [60, 120],
    }


def write_topics(content: Path, topics: dict[str, tuple[str, list[dict]]]) -> Path:
    """Write `questions/` in `content`: an index in the given order and a file per topic.

    `topics` maps a topic id to its title and its questions (mappings as a topic file holds
    them). The coach's word lists are copied beside, so the content folder is complete.
    """
    bank = content / "questions"
    bank.mkdir(parents=True, exist_ok=True)
    (bank / "index.yaml").write_text(yaml.safe_dump({"schema": 1, "order": list(topics)}), "utf-8")
    for topic, (title, questions) in topics.items():
        data = {
            "schema": 1,
            "topic": topic,
            "title": title,
            "summary": f"Questions about {title.lower()}.",
            "questions": questions,
        }
        (bank / f"{topic}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    shutil.copy(DATA / "coach.yaml", content / "coach.yaml")
    return content


def write_bank(folder: Path) -> Path:
    """Fill `folder` with the article's content files and the small bank; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("questions.yaml", "tips.yaml", "guides.yaml"):
        shutil.copy(DATA / name, folder / name)
    write_topics(
        folder, {t: (title, [_question(*q) for q in qs]) for t, (title, qs) in BANK.items()}
    )
    return folder


def write_article(folder: Path) -> Path:
    """Fill `folder` with the article's content files only: four questions, no bank."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("questions.yaml", "tips.yaml", "guides.yaml"):
        shutil.copy(DATA / name, folder / name)
    return folder
