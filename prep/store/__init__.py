"""The learner's files: the practice history, its backups, unsaved drafts and exports.

`history` is the one store over `practice_history.csv` (`history_format` its columns and
parser, `integrity` the row checks, `backups` the snapshots); `drafts` keeps unsaved text;
`export` writes a spreadsheet-safe copy; `safe_io` is the atomic write they all use.
"""
