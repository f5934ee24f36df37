"""Draw the progress page's charts for fixed histories, to look at them and their alt texts.

    .venv/bin/python tools/progress_charts.py [OUT_DIR]     # default: build/progress-charts

For a history of one day, one week and six months (made up in memory, ending on Tuesday
24 Nov 2026, in UTC) it writes each chart as the page shows it (`<span>-<chart>.png`,
transparent), one sheet of all six on JupyterLab's light background and one on its dark
background (`<span>-light.png`, `<span>-dark.png`), and the charts' text alternatives
(`<span>-alt.txt`). Nothing is read from or written to a data folder.
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
from PIL import Image

from prep import workbook
from prep.insight.progress import alt_texts, figures, png_bytes, summarise

TODAY = date(2026, 11, 24)
QUESTIONS = ("past-role", "five-years", "first-involved", "language-limits")
SPANS = {"1-day": 1, "1-week": 7, "6-months": 182}
BACKGROUNDS = {"light": "#ffffff", "dark": "#111111"}


def history(days: int) -> pd.DataFrame:
    """A typed history: three tries a day (every third day off after the first ten),
    coverage and confidence rising slowly, as `HistoryStore.load()` would type it."""
    rows = []
    for d in range(days):
        day = datetime(2026, 11, 24, 9, tzinfo=timezone.utc) - timedelta(days=days - 1 - d)
        if days > 10 and d % 3 == 1:
            continue
        for k in range(3):
            n = len(rows)
            rows.append(
                {
                    "attempt_id": f"id{n}",
                    "recorded_at": day + timedelta(minutes=25 * k),
                    "item_id": QUESTIONS[(d + k) % len(QUESTIONS)],
                    "mode": "practice",
                    "answer": "a few words of answer",
                    "seconds": 60 + 20 * k,
                    "confidence": min(5, 1 + (d + k) % 3 + d * 2 // max(days, 1)),
                    "coverage": min(1.0, 0.2 + 0.7 * d / max(days - 1, 1) + 0.05 * k),
                    "word_count": 40 + 3 * d % 50,
                }
            )
    frame = pd.DataFrame(rows)
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True)
    frame["schema_version"] = "2"
    return frame.astype(
        {"seconds": "Int64", "confidence": "Int64", "coverage": "Float64", "word_count": "Int64"}
    )


def sheet(images: list[bytes], background: str) -> Image.Image:
    """The charts one above the other, over the theme's background."""
    opened = [Image.open(io.BytesIO(png)).convert("RGBA") for png in images]
    page = Image.new("RGBA", (max(i.width for i in opened), sum(i.height for i in opened)))
    page.paste(background, (0, 0, page.width, page.height))
    top = 0
    for image in opened:
        page.alpha_composite(image, (0, top))
        top += image.height
    return page.convert("RGB")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    content = workbook.content()
    for span, days in SPANS.items():
        summary = summarise(history(days), content, timezone.utc, TODAY)
        drawn = {name: png_bytes(fig) for name, fig in figures(summary).items()}
        for name, png in drawn.items():
            (out / f"{span}-{name}.png").write_bytes(png)
        for theme, colour in BACKGROUNDS.items():
            sheet(list(drawn.values()), colour).save(out / f"{span}-{theme}.png")
        texts = "\n\n".join(f"[{name}]\n{text}" for name, text in alt_texts(summary).items())
        (out / f"{span}-alt.txt").write_text(texts + "\n", encoding="utf-8")
        print(f"{span}: {len(drawn)} charts in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/progress-charts"))
