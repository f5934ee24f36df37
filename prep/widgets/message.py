"""A card that only says something: an unknown id, a broken content file."""

from __future__ import annotations

import ipywidgets as widgets

from ._common import esc


class MessageCard(widgets.VBox):
    """Show a plain-words problem where a card would have been."""

    def __init__(self, title: str, message: str) -> None:
        self.title, self.message = title, message
        body = widgets.HTML(
            f"<strong>{esc(title)}</strong><p style='white-space:pre-wrap'>{esc(message)}</p>"
        )
        super().__init__([body])
        self.add_class("prep-card")
        self.add_class("prep-message")
