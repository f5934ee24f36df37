"""Layout for the cards: fields as wide as the card and no wider, and fields that grow.

ipywidgets gives every widget a 2 px margin on each side (`--jp-widgets-margin`). A field
laid out `width="100%"` is as wide as its card *plus* those 4 px, and the card, a `Box`
with `overflow: auto`, then shows a horizontal scrollbar under itself. `full_width()`
instead lets the card's column stretch the field across the room between the margins.

A text field that grows is plain ipywidgets: its `rows` follow the text it holds, counted
in Python, between a least and a most (beyond that it scrolls). Python cannot know how wide
the field is drawn, so a long line counts as one row per `CHARS_PER_ROW` characters.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

CHARS_PER_ROW = 80  # a line longer than this is counted as wrapping onto further rows
SPARE_ROWS = 1  # an empty row under the text, so the next line has somewhere to go


def full_width(**layout: Any) -> widgets.Layout:
    """A layout that fills its card's width without going past it (see the module notes).

    For a widget in a `VBox`; `layout` adds other settings (`max_width`, `display`, …).
    """
    return widgets.Layout(width="auto", align_self="stretch", **layout)


def rows_for(text: str, *, least: int, most: int, chars_per_row: int = CHARS_PER_ROW) -> int:
    """How many rows show `text` whole: one a line, more for a long line, within bounds."""
    needed = sum(
        max(1, -(-len(line) // chars_per_row)) for line in (text.split("\n") if text else [""])
    )
    return max(least, min(most, needed + SPARE_ROWS))


class GrowingRows:
    """Keep a `Textarea`'s `rows` in step with its text, from `least` to `most` rows.

    The field must not have a layout height, which would override the rows.
    """

    def __init__(self, field: widgets.Textarea, *, least: int, most: int) -> None:
        if least < 1 or most < least:
            raise ValueError(f"rows must satisfy 1 <= least <= most, not {least}..{most}")
        self.field, self.least, self.most = field, least, most
        field.layout.height = None
        field.observe(self._on_value, names="value")
        self.update()

    def set_bounds(self, *, least: int, most: int) -> None:
        """Change the bounds (a mock run's code box is taller than its answer box)."""
        self.least, self.most = least, most
        self.update()

    def update(self) -> None:
        self.field.rows = rows_for(self.field.value, least=self.least, most=self.most)

    def _on_value(self, _change: dict[str, Any]) -> None:
        self.update()
