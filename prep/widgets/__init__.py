"""Cards and views: small `VBox` compositions of standard widgets, no file I/O of their own."""

from .message import MessageCard
from .progress_view import ProgressView
from .question_card import QuestionCard
from .tip_card import TipCard

__all__ = ["MessageCard", "ProgressView", "QuestionCard", "TipCard"]
