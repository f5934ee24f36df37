"""The few named errors the workbook raises."""

from __future__ import annotations


class PrepError(Exception):
    """Base of every error the workbook raises on purpose."""


class ContentError(PrepError):
    """A content file is broken; the message names the file, the item and the field."""

    def __init__(self, file: str, item: str | None, field: str | None, problem: str) -> None:
        self.file, self.item, self.field, self.problem = file, item, field, problem
        where = file
        if item:
            where += f", item {item!r}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


class UnknownItemError(PrepError, KeyError):
    """No question or tip has that id."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0])


class HistoryError(PrepError):
    """The practice history could not be read or written; the message is for the learner."""


class HistoryWriteError(HistoryError):
    """A row was not saved; the file is as it was before the attempt."""


class HistoryLockedError(HistoryWriteError):
    """Another notebook held the history lock for longer than we wait."""


class HistoryEncodingError(HistoryError):
    """The history is not UTF-8 (a spreadsheet re-saved it in a legacy encoding)."""


class DraftError(PrepError):
    """An unsaved draft could not be written or read; the typed text is still in the field."""


class AnswerBookError(PrepError):
    """The answer book could not be written; the message says why in plain words."""
