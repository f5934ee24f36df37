"""The coach's feedback in a card: coverage, structure, delivery, and the last attempt.

Every judgement shows why (the phrases heard), and every piece of text is escaped.
"""

from __future__ import annotations

from ..coach.analysis import STAR_ELEMENTS, Comparison, Feedback, Lexicon
from ..coach.textstats import format_duration
from ._common import esc, tone_css

FILLERS_HIGH = 3.0  # per 100 words: above this, suggest cutting some
_OK = "<span class='prep-tone-ok'>✓</span>"
_MISS = "<span style='opacity:0.6'>○</span>"
_WHY = "style='opacity:0.75'"
# A green tint under the theme's own text colour (readable in both themes), underlined so
# that "added" does not rest on colour alone.
_ADDED = "background:rgba(67,160,71,0.28);text-decoration:underline"


def _quoted(phrases: tuple[str, ...] | list[str], limit: int = 4) -> str:
    shown = ", ".join(f"“{esc(p)}”" for p in phrases[:limit])
    return shown + (f" and {len(phrases) - limit} more" if len(phrases) > limit else "")


def _section(title: str, body: str, *, open_: bool = True) -> str:
    return (
        f"<details class='prep-feedback-section'{' open' if open_ else ''}>"
        f"<summary><strong>{title}</strong></summary>{body}</details>"
    )


def coverage_html(feedback: Feedback) -> str:
    required = [p for p in feedback.points if not p.optional]
    covered = sum(p.covered for p in required)
    items = []
    for point in feedback.points:
        mark = _OK if point.covered else _MISS
        label = esc(point.text) + (" <em>(optional)</em>" if point.optional else "")
        why = (
            f" <span {_WHY}>— heard {_quoted(point.matched)}</span>"
            if point.covered
            else f" <span {_WHY}>— not heard yet</span>"
        )
        items.append(f"<li>{mark} {label}{why}</li>")
    title = (
        f"Talking points: {covered} of {len(required)} covered (coverage {feedback.coverage:.0%})"
    )
    return _section(title, f"<ul style='list-style:none;padding-left:0.4em'>{''.join(items)}</ul>")


def structure_html(feedback: Feedback, lexicon: Lexicon) -> str:
    items = []
    for element in STAR_ELEMENTS:
        heard = feedback.star.get(element, ())
        if heard:
            items.append(
                f"<li>{_OK} {element.title()} <span {_WHY}>— heard {_quoted(heard)}</span></li>"
            )
        else:
            examples = _quoted(list(lexicon.star.get(element, ()))[:2], limit=2)
            hint = f" (for example {examples})" if examples else ""
            items.append(
                f"<li>{_MISS} {element.title()} <span {_WHY}>— no marker yet{hint}</span></li>"
            )
    if feedback.star.get("result"):
        if feedback.result_figures:
            figures = _quoted(list(feedback.result_figures))
            items.append(
                f"<li>{_OK} The result is concrete <span {_WHY}>— it has {figures}</span></li>"
            )
        else:
            items.append(
                f"<li>{_MISS} The result has no figure <span {_WHY}>— a number, a percentage or "
                "time saved makes it stick</span></li>"
            )
    found = ", ".join(feedback.star_found) or "none yet"
    return _section(
        f"Structure (STAR): {esc(found)}",
        f"<ul style='list-style:none;padding-left:0.4em'>{''.join(items)}</ul>",
    )


def delivery_html(feedback: Feedback) -> str:
    low, high = feedback.target
    items = [
        f"<li>Length: {feedback.words} words, about {format_duration(feedback.spoken_seconds)} "
        f"spoken against a {format_duration(low)}–{format_duration(high)} target — "
        f"{esc(feedback.length_advice)}</li>"
    ]
    if feedback.fillers:
        counts = ", ".join(f"“{esc(p)}” ×{n}" for p, n in feedback.fillers.items())
        advice = " — try cutting some" if feedback.fillers_per_100 > FILLERS_HIGH else ""
        items.append(
            f"<li>Fillers and hedges: {feedback.fillers_per_100:.1f} per 100 words{advice} "
            f"<span {_WHY}>({counts})</span></li>"
        )
    else:
        items.append("<li>Fillers and hedges: none heard</li>")
    if feedback.repeated:
        repeated = ", ".join(f"“{esc(w)}” ×{n}" for w, n in feedback.repeated)
        items.append(f"<li>Most repeated words: {repeated}</li>")
    i_we = f"“I” {feedback.i_count}×, “we” {feedback.we_count}×"
    if feedback.we_count > feedback.i_count and feedback.we_count >= 3:
        i_we += " — interviewers want your part: say “I” for what you did yourself"
    elif feedback.i_count == 0 and feedback.words >= 30:
        i_we += " — say what you did yourself, in the first person"
    items.append(f"<li>{i_we}</li>")
    if feedback.technologies:
        items.append(f"<li>Technologies named: {esc(', '.join(feedback.technologies))}</li>")
    return _section("Delivery", f"<ul>{''.join(items)}</ul>")


def comparison_html(comparison: Comparison, when: str) -> str:
    lines = [f"<li>{_OK} {esc(text)}</li>" for text in comparison.improved]
    lines += [
        f"<li><span class='prep-tone-warn'>✗</span> {esc(text)}</li>"
        for text in comparison.regressed
    ]
    if not lines:
        lines = ["<li>About the same on coverage, length and fillers.</li>"]
    words = []
    for op, text in comparison.diff:
        if op == "added":
            words.append(f"<ins style='{_ADDED}'>{esc(text)}</ins>")
        elif op == "removed":
            words.append(f"<del style='opacity:0.75'>{esc(text)}</del>")
        else:
            words.append(esc(text))
    diff = (
        f"<details><summary>Word by word (<ins style='{_ADDED}'>added</ins>, "
        "<del>removed</del>)</summary>"
        f"<div style='white-space:pre-wrap;line-height:1.45'>{' '.join(words)}</div></details>"
    )
    return _section(
        f"Against your last attempt ({esc(when)})",
        f"<ul style='list-style:none;padding-left:0.4em'>{''.join(lines)}</ul>{diff}",
    )


def feedback_html(
    feedback: Feedback,
    lexicon: Lexicon,
    comparison: Comparison | None = None,
    compared_with: str = "",
) -> str:
    parts = [coverage_html(feedback), structure_html(feedback, lexicon), delivery_html(feedback)]
    if comparison is not None:
        parts.append(comparison_html(comparison, compared_with))
    return (
        f"<div class='prep-feedback-body' style='line-height:1.45'><style>{tone_css()}</style>"
        "<p style='margin:0.3em 0'><strong>Coach</strong> <span style='opacity:0.75'>"
        "(offline, from the word lists in data/; open a section to see why)</span></p>"
        f"{''.join(parts)}</div>"
    )
