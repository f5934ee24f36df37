"""Back-end interview workbook: question and tip cards, a practice history, progress charts.

Notebooks call these functions one line at a time, e.g. `prep.card("past-role")`.
"""

from .coding import check, exercise, exercises, hint, sample_database, solution, sql, starter
from .content.own import OwnQuestionError
from .errors import AnswerBookError, ContentError, HistoryError, PrepError
from .workbook import (
    add_question,
    add_question_card,
    backup_history,
    card,
    deck,
    edit_question,
    export_answer_book,
    export_for_spreadsheet,
    history,
    history_problems,
    mock_interview,
    next_up,
    progress,
    questions,
    repair_history,
    restore_question,
    retire_question,
    tips,
    topics,
)

__all__ = [
    "AnswerBookError",
    "ContentError",
    "HistoryError",
    "OwnQuestionError",
    "PrepError",
    "add_question",
    "add_question_card",
    "backup_history",
    "card",
    "check",
    "deck",
    "edit_question",
    "exercise",
    "exercises",
    "export_answer_book",
    "export_for_spreadsheet",
    "hint",
    "history",
    "history_problems",
    "mock_interview",
    "next_up",
    "progress",
    "questions",
    "repair_history",
    "restore_question",
    "retire_question",
    "sample_database",
    "solution",
    "sql",
    "starter",
    "tips",
    "topics",
]


def _show_prep_errors_plainly() -> None:
    """In IPython, show a PrepError as its message, not a traceback: it is for the learner."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        print(f"⚠ {value}")

    shell.set_custom_exc((PrepError,), handler)


_show_prep_errors_plainly()
