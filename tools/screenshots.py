"""Take the README screenshots in a real JupyterLab: a question card, progress, a topic page.

Usage::

    .venv/bin/python tools/screenshots.py               # docs/question-card.png, progress.png,
                                                        # topic-page.png
    .venv/bin/python tools/screenshots.py --theme dark  # docs/question-card-dark.png, ...

Runs on a temp copy of the notebooks with a made-up three-week practice history in a temp data
dir, so your own history never appears in a picture. Needs Debian's Chromium (see tests/lab.py).
The progress page's topic view (docs/progress-topics.png) gets a history of its own, ten weeks
over most of the bank.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import lab  # noqa: E402  (tests/lab.py: found through the path set just above)

VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_S = 120.0
TYPED_ANSWER = (
    "I'd like to walk you through Fernway, a trip-planning app from my portfolio.\n"
    "I owned the back end: a Ruby on Rails API on PostgreSQL, though JavaScript is my\n"
    "strongest language, and I led two other developers.\n"
    "Our designer wanted search over a list of activity recommendations that kept growing.\n"
    "We agreed a first version together; I gave up my own design so we could ship sooner.\n"
    "We delivered in three weeks and cut page load from 2.1 s to 0.4 s.\n"
    "Next time I would add load tests before launch, not after."
)
TYPED_CONFIDENCE = "4"
TOPIC_NOTEBOOK = "12-http-apis.ipynb"
# the topic page: the first question answered and saved, then the deck kept to one level
TOPIC_SAVED = (
    "The phone resolves the API's name and opens a TLS connection, then sends GET /orders/42\n"
    "with its bearer token. The load balancer passes it to one of our app servers, where the\n"
    "router finds the handler, middleware checks the token, and the handler reads order 42\n"
    "from PostgreSQL. We serialise it to JSON and answer 200 with a Cache-Control header."
)
TOPIC_LEVEL = "Mid"


@dataclass(frozen=True)
class SeedAttempt:
    """One made-up practice attempt, `days_ago` days before today at local time `at`."""

    days_ago: int
    at: str
    item_id: str
    answer: str
    seconds: int | None
    confidence: int | None


# Several attempts at each question over three weeks, each answer a little better than the
# last and the confidence rising from 2 to 4; plus some research notes from a tip card.
SEED: tuple[SeedAttempt, ...] = (
    SeedAttempt(
        21,
        "19:40",
        "first-involved",
        "I started coding in school.\nThen I studied computer science.",
        48,
        2,
    ),
    SeedAttempt(
        21,
        "20:05",
        "past-role",
        "I worked on a booking website in a team of four.\nI did some of the API work.",
        75,
        2,
    ),
    SeedAttempt(
        19,
        "07:50",
        "language-limits",
        "I like Python. It is slow sometimes.",
        40,
        2,
    ),
    SeedAttempt(
        18,
        "12:30",
        "research-company/company",
        "Acme Payments, back-end engineer",
        None,
        None,
    ),
    SeedAttempt(
        18,
        "12:45",
        "research-company/stack",
        "Go services on Kubernetes, PostgreSQL, Kafka for events (from their engineering blog).",
        None,
        None,
    ),
    SeedAttempt(
        16,
        "20:10",
        "five-years",
        "Senior engineer, maybe leading a small team.\nStill writing code most days.",
        55,
        2,
    ),
    SeedAttempt(
        14,
        "19:25",
        "first-involved",
        "Taking apart my family's old PC at twelve made me curious.\n"
        "I learned by reading other people's code, then did a CS degree.\n"
        "The back end won me over: I like building what makes the features work.",
        71,
        3,
    ),
    SeedAttempt(
        14,
        "19:55",
        "past-role",
        "On Fernway's trip-planning app I owned the Rails API and led two developers.\n"
        "I agreed the search feature with our designer and we shipped in three weeks.",
        118,
        3,
    ),
    SeedAttempt(
        12,
        "08:05",
        "language-limits",
        "Python is my main language: Instagram and Spotify run on it.\n"
        "Strengths: readable, async support, great for AI work.\n"
        "Limits: CPU-bound code is slow and it uses a lot of memory; I profile first and move\n"
        "hot paths to a native extension or a different service.",
        124,
        3,
    ),
    SeedAttempt(
        10,
        "21:00",
        "five-years",
        "I want to be the engineer people ask about data-heavy systems.\n"
        "Your move to event-driven payments is exactly where I want to grow.\n"
        "I'm taking the Meta back-end certificate to get there.",
        84,
        3,
    ),
    SeedAttempt(
        7,
        "19:30",
        "past-role",
        "On Fernway's trip-planning app I owned the Ruby on Rails API and led two developers.\n"
        "The designer and I agreed a search over a growing list of recommendations; I gave up\n"
        "my first design so it could ship sooner. We delivered in three weeks and cut page\n"
        "load from 2.1 s to 0.4 s. Next time I'd add load tests before launch, not after.",
        142,
        4,
    ),
    SeedAttempt(
        6,
        "20:20",
        "first-involved",
        "At twelve I took apart our family PC to see why it was slow, and never stopped.\n"
        "I taught myself by reading open-source code, then studied CS at university.\n"
        "What keeps me here is the hidden structure: making a team's designs behave as\n"
        "promised. That is what your platform team does, and why I applied.",
        76,
        4,
    ),
    SeedAttempt(
        4,
        "07:45",
        "language-limits",
        "I prefer Python for APIs and data pipelines.\n"
        "It's readable, has async support and the best AI libraries.\n"
        "Its limits: slow on CPU-heavy work, memory hungry, weak on mobile. I measure first,\n"
        "then use a C extension, a worker in Go, or a queue. If you ask past what I know,\n"
        "I'll say so and look it up.",
        131,
        4,
    ),
    SeedAttempt(
        2,
        "19:15",
        "five-years",
        "In five years I want to lead the design of high-volume payment systems.\n"
        "Your shift to event-driven payments is where I want to grow, and I'll keep\n"
        "learning through courses and certificates so the team keeps up with the field.",
        79,
        4,
    ),
    SeedAttempt(
        1,
        "12:40",
        "research-company/question-to-ask",
        "Your launch in Spain doubled transactions; how did the ledger service cope?",
        None,
        None,
    ),
)


def seed_history(data_dir: Path, now: datetime | None = None) -> Path:
    """Write the made-up history into `data_dir` through the package's own store.

    Question attempts carry the coach's figures, as a card would record them.
    """
    from prep.coach.analysis import analyse
    from prep.content.loader import load_content
    from prep.models import Question
    from prep.store.history import HistoryStore

    content = load_content(ROOT / "data")

    now = (now or datetime.now(timezone.utc)).astimezone()  # local time, as a learner sees it
    path = data_dir / "practice_history.csv"
    for attempt in SEED:
        hour, minute = (int(part) for part in attempt.at.split(":"))
        day = now - timedelta(days=attempt.days_ago)
        when = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        store = HistoryStore(path, clock=lambda when=when: when)
        item = content.get(attempt.item_id.split("/")[0])
        extra = {}
        if isinstance(item, Question):
            extra = analyse(attempt.answer, item, content.lexicon).history_fields()
        store.record(
            attempt.item_id,
            attempt.answer,
            seconds=attempt.seconds,
            confidence=attempt.confidence,
            extra=extra,
        )
    return path


def _expand_section(card: Locator, title: str) -> None:
    """Open the card's guidance section called `title` (a <details> element)."""
    section = card.locator(
        ".prep-guidance details", has=card.page.locator("summary", has_text=title)
    )
    if section.count() == 0:
        return  # this card has no such section: nothing to open
    if not section.first.evaluate("(d) => d.open"):
        section.first.locator("summary").click()
    section.first.locator("summary + *").wait_for(state="visible")


def _fit_viewport(page: Page, selector: str) -> None:
    """Grow the viewport height so the whole element fits inside Lab's scrolling notebook."""
    height = page.locator(selector).first.evaluate("(el) => el.getBoundingClientRect().height")
    wanted = max(VIEWPORT["height"], int(height) + 260)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": wanted})
    page.locator(selector).first.scroll_into_view_if_needed()


def take_screenshots(out_dir: Path, *, dark: bool) -> list[Path]:
    """Run both notebooks in a throwaway Lab and save the two element screenshots."""
    from playwright.sync_api import sync_playwright

    suffix = "-dark" if dark else ""
    card_png = out_dir / f"question-card{suffix}.png"
    progress_png = out_dir / f"progress{suffix}.png"
    topic_png = out_dir / f"topic-page{suffix}.png"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prep-shots-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        seed_history(data_dir)
        settings = lab.DARK_THEME if dark else None
        with (
            lab.LabServer(lab.NOTEBOOKS_DIR, data_dir, settings=settings) as server,
            sync_playwright() as playwright,
        ):
            browser = lab.launch_browser(playwright)
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            context.set_default_timeout(30_000)
            page = context.new_page()
            with lab.artifacts_on_failure(page, f"screenshots-question-card{suffix}", server):
                lab.open_and_run(page, server, "02-past-role.ipynb", timeout=TIMEOUT_S)
                card = page.locator(".prep-question-card").first
                card.locator("textarea.prep-answer, .prep-answer textarea").first.fill(TYPED_ANSWER)
                card.locator(".prep-confidence label", has_text=TYPED_CONFIDENCE).first.click()
                lab.save_button(card).click()
                card.locator(".prep-status", has_text="Saved").first.wait_for()
                _expand_section(card, "Talking points")
                page.mouse.move(0, 0)  # no hover highlight in the picture
                _fit_viewport(page, ".prep-question-card")
                time.sleep(0.5)  # let the expanded sections finish laying out
                card.screenshot(path=str(card_png), animations="disabled")
            with lab.artifacts_on_failure(page, f"screenshots-progress{suffix}", server):
                page.set_viewport_size(VIEWPORT)
                lab.open_and_run(
                    page,
                    server,
                    "10-progress.ipynb",
                    selector=".prep-progress img",
                    timeout=TIMEOUT_S,
                )
                page.wait_for_function(
                    """() => [...document.querySelectorAll('.prep-progress img')]
                        .every((img) => img.complete && img.naturalWidth > 0)"""
                )
                page.mouse.move(0, 0)
                _fit_viewport(page, ".prep-progress")
                time.sleep(0.5)
                page.locator(".prep-progress").first.screenshot(
                    path=str(progress_png), animations="disabled"
                )
            with lab.artifacts_on_failure(page, f"screenshots-topic-page{suffix}", server):
                page.set_viewport_size(VIEWPORT)
                lab.open_and_run(
                    page, server, TOPIC_NOTEBOOK, selector=".prep-deck", timeout=TIMEOUT_S
                )
                _topic_page(page, topic_png)
            browser.close()
    return [card_png, progress_png, topic_png]


def _topic_page(page: Page, path: Path) -> None:
    """Save an answer to the deck's first question, then keep to one level; shoot the page."""
    deck = page.locator(".prep-deck").first
    card = deck.locator(".prep-question-card").first
    card.locator(".prep-answer textarea").first.fill(TOPIC_SAVED)
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved").first.wait_for()
    deck.locator(".prep-deck-level label", has_text=TOPIC_LEVEL).click()
    deck.locator(".prep-deck-position", has_text="Question 1 of").first.wait_for()
    page.mouse.move(0, 0)
    # the page's title and introduction above the deck, so the picture reads as a page
    title = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell").first
    span = deck.evaluate(
        "(el, title) => el.getBoundingClientRect().bottom - title.getBoundingClientRect().top",
        title.element_handle(),
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(span) + 220})
    title.scroll_into_view_if_needed()
    time.sleep(0.5)  # let the resized notebook settle
    top = title.bounding_box()
    bottom = deck.bounding_box()
    if top is None or bottom is None:
        raise RuntimeError("the topic page's title or deck is not on screen")
    left = min(top["x"], bottom["x"]) - 8
    page.screenshot(
        path=str(path),
        animations="disabled",
        clip={
            "x": left,
            "y": top["y"] - 8,
            "width": max(top["x"] + top["width"], bottom["x"] + bottom["width"]) - left + 8,
            "height": bottom["y"] + bottom["height"] - top["y"] + 16,
        },
    )


# --- the progress page's topic view, over a bank-wide history ------------------------------

TOPICS_VIEWPORT = {"width": 1280, "height": 1000}


def seed_bank_history(data_dir: Path, now: datetime | None = None, seed: int = 13) -> Path:
    """Write ten weeks of made-up practice over most of the bank, through the package's store.

    Each practised question is answered two to six times, its coverage climbing from its
    own starting point, the confidence following it; a quarter of the bank is left
    untried and a few questions are left alone long enough to fall due.
    """
    import random

    from prep.content.loader import load_content
    from prep.store.history import HistoryStore

    rng = random.Random(seed)
    content = load_content(ROOT / "data")
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    questions = list(content.questions)
    rng.shuffle(questions)
    practised = questions[: round(len(questions) * 0.75)]
    attempts = []
    for question in practised:
        tries = rng.randint(2, 6)
        start = rng.uniform(0.1, 0.6)
        first_day = rng.uniform(8, 70)
        days = [first_day, *(rng.uniform(0, first_day) for _ in range(tries - 1))]
        for n, days_ago in enumerate(sorted(days, reverse=True)):
            coverage = min(1.0, start + n * rng.uniform(0.05, 0.25) + rng.uniform(-0.1, 0.1))
            coverage = max(0.0, round(coverage * 8) / 8)
            confidence = max(1, min(5, round(1 + coverage * 4 + rng.uniform(-0.8, 0.6))))
            attempts.append((now - timedelta(days=days_ago), question.id, coverage, confidence))
    path = data_dir / "practice_history.csv"
    store = HistoryStore(path)
    words = "I would start from what the system must guarantee, then measure, then choose. "
    for when, item_id, coverage, confidence in sorted(attempts):
        store.clock = lambda when=when: when
        answer = words * rng.randint(4, 14)
        store.record(
            item_id,
            answer,
            seconds=rng.randint(50, 200),
            confidence=confidence,
            extra={"coverage": f"{coverage:.2f}", "word_count": str(len(answer.split()))},
        )
    return path


def take_progress_topics(out_dir: Path, *, dark: bool) -> list[Path]:
    """The progress page's topic grid, topic selector and cards, over a bank-wide history."""
    from playwright.sync_api import sync_playwright

    suffix = "-dark" if dark else ""
    shot = out_dir / f"progress-topics{suffix}.png"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prep-shots-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        seed_bank_history(data_dir)
        settings = lab.DARK_THEME if dark else None
        with (
            lab.LabServer(lab.NOTEBOOKS_DIR, data_dir, settings=settings) as server,
            sync_playwright() as playwright,
        ):
            browser = lab.launch_browser(playwright)
            context = browser.new_context(viewport=TOPICS_VIEWPORT, device_scale_factor=1)
            context.set_default_timeout(30_000)
            page = context.new_page()
            with lab.artifacts_on_failure(page, f"screenshots-progress-topics{suffix}", server):
                lab.open_and_run(
                    page, server, "10-progress.ipynb", selector=".prep-topics", timeout=TIMEOUT_S
                )
                view = page.locator(".prep-progress").first
                grid = view.locator(".prep-topic-grid").first
                cards = view.locator(".prep-question-cards").first
                page.mouse.move(0, 0)
                span = grid.evaluate(
                    "(el, end) => end.getBoundingClientRect().bottom"
                    " - el.getBoundingClientRect().top",
                    cards.element_handle(),
                )
                page.set_viewport_size(
                    {"width": TOPICS_VIEWPORT["width"], "height": int(span) + 240}
                )
                time.sleep(0.5)  # let the resized notebook settle
                grid.evaluate("(el) => el.scrollIntoView({block: 'start'})")
                time.sleep(0.3)
                top, bottom = grid.bounding_box(), cards.bounding_box()
                if top is None or bottom is None:
                    raise RuntimeError("the topic grid or the cards are not on screen")
                page.screenshot(
                    path=str(shot),
                    animations="disabled",
                    clip={
                        "x": top["x"] - 8,
                        "y": top["y"] - 8,
                        "width": max(top["width"], bottom["width"]) + 16,
                        "height": bottom["y"] + bottom["height"] - top["y"] + 16,
                    },
                )
            browser.close()
    return [shot]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args(argv)
    reason = lab.browser_unavailable_reason()
    if reason is not None:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    dark = args.theme == "dark"
    for path in take_screenshots(args.out, dark=dark) + take_progress_topics(args.out, dark=dark):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
