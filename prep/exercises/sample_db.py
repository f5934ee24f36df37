"""The practice shop database the SQL exercises run on: fresh in-memory copies, run safely.

`data/exercises/shop.sql` is read once per process into an in-memory template; `fresh()`
copies it with `Connection.backup`, so whatever one query does to its copy (`DROP TABLE
customers`, `DELETE FROM orders`) is gone by the next. A copy cannot reach the file
system: an authorizer refuses ATTACH and DETACH (VACUUM INTO asks for an ATTACH too, so it
is refused with them), pragmas other than a few that only describe the schema, and
`load_extension`; temporary tables and sorts stay in memory. `run` stops a query that is
still going after a deadline, and turns every SQLite error into one plain line.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from .. import paths
from ..errors import PrepError
from .harness import Rows

SHOP_FILE = "shop.sql"
TIME_LIMIT = 2.0  # seconds a query may run before it is stopped
MAX_ROWS = 1000
MAX_VALUE_BYTES = 10_000_000  # the longest string or blob a query may build
_PROGRESS_STEPS = 1_000  # virtual machine steps between deadline checks
_TABLES = ("customers", "products", "orders", "order_items")

# pragmas that only describe the database, plus foreign_keys, which a learner may switch on
_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "foreign_keys",
        "integrity_check",
        "quick_check",
        "collation_list",
        "function_list",
        "pragma_list",
        "compile_options",
    }
)


class SqlError(PrepError):
    """A query could not run; the message is one plain line starting "SQL error:"."""


class SqlTimeout(SqlError):
    """A query was still running at the deadline and was stopped."""


class ShopConnection(sqlite3.Connection):
    """A copy of the shop; `refused` says what its authorizer last turned down, and why."""

    refused: list[str]


_lock = threading.RLock()
_template: tuple[int, sqlite3.Connection] | None = None  # (process id, database)


def shop_path() -> Path:
    """The shop's SQL file: in the content folder, or the one the workbook ships."""
    path = paths.content_dir() / "exercises" / SHOP_FILE
    if path.exists():
        return path
    return paths.REPO_ROOT / "data" / "exercises" / SHOP_FILE


def _template_db() -> sqlite3.Connection:
    # Built again in a forked child rather than shared with the parent: SQLite asks that a
    # connection not be carried across fork().
    global _template
    with _lock:
        if _template is None or _template[0] != os.getpid():
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.executescript(shop_path().read_text(encoding="utf-8"))
            _template = (os.getpid(), db)
        return _template[1]


def fresh() -> ShopConnection:
    """Return a new in-memory copy of the shop that refuses anything touching files."""
    conn = sqlite3.connect(":memory:", isolation_level=None, factory=ShopConnection)
    template = _template_db()
    with _lock:
        template.backup(conn)
    conn.execute("PRAGMA temp_store = MEMORY")
    _lock_down(conn)
    return conn


def _lock_down(conn: ShopConnection) -> None:
    if hasattr(conn, "setlimit"):  # Python 3.11+
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    refused: list[str] = []

    def authorize(action: int, arg1, arg2, _db, _trigger) -> int:
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            refused.append(
                "the practice database cannot open other database files "
                "(ATTACH, DETACH and VACUUM INTO are switched off)"
            )
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() not in _PRAGMAS:
            refused.append(
                f"PRAGMA {arg1} is switched off in the practice database; "
                "table_info, index_list and foreign_key_list describe the tables"
            )
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
            refused.append("load_extension is switched off in the practice database")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.refused = refused
    conn.set_authorizer(authorize)


def split(sql: str) -> list[str]:
    """Split text into statements at the `;` that end them; drop pieces with no code."""
    statements, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if _has_code(current):
                statements.append(current)
            current = ""
    current = current[:-1]  # the ";" added after the last piece
    if _has_code(current):
        statements.append(current)  # unfinished (a string left open): SQLite will say so
    return statements


def _has_code(text: str) -> bool:
    """True when `text` holds more than whitespace, comments and semicolons."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\f;":
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return True
    return False


def run(
    conn: sqlite3.Connection, sql: str, *, max_rows: int = MAX_ROWS, time_limit: float = TIME_LIMIT
) -> Rows:
    """Run every statement in `sql`; return the last one's columns and up to `max_rows` rows.

    Raises `SqlError` with one plain line when the text is empty, SQLite rejects a
    statement, or the statements together run longer than `time_limit` seconds.
    """
    if not isinstance(sql, str):
        raise SqlError(f"SQL error: the query must be text (a str), not {type(sql).__name__}")
    statements = split(sql)
    if not statements:
        raise SqlError(
            "SQL error: there is no statement to run: the text is empty or only comments"
        )
    deadline = time.monotonic() + time_limit
    conn.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
    refused: list[str] = getattr(conn, "refused", [])
    refused.clear()
    try:
        for statement in statements[:-1]:
            for _ in conn.execute(statement):
                pass
        cursor = conn.execute(statements[-1])
        if cursor.description is None:
            return Rows((), ())
        columns = tuple(d[0] for d in cursor.description)
        rows = cursor.fetchmany(max_rows + 1)
        return Rows(columns, tuple(rows[:max_rows]), truncated=len(rows) > max_rows)
    except (sqlite3.Error, sqlite3.Warning) as exc:
        late = time.monotonic() > deadline and "interrupt" in str(exc)
        error = SqlTimeout if late else SqlError
        raise error(_one_line(exc, refused, late, time_limit)) from None
    finally:
        conn.set_progress_handler(None, 0)


def _one_line(exc: Exception, refused: list[str], late: bool, time_limit: float) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    if late:
        return (
            f"SQL error: stopped after {time_limit:g} s: the query was still running "
            "(a recursive CTE with no condition that ends it, or a join with no ON?)"
        )
    if refused and "authoriz" in message:  # "not authorized", "authorization denied"
        return f"SQL error: {refused[-1]}"
    return f"SQL error: {message}"


def explore(sql: str, *, max_rows: int = MAX_ROWS) -> Rows:
    """Run `sql` on a fresh copy of the shop, for a learner looking at the data."""
    conn = fresh()
    try:
        return run(conn, sql, max_rows=max_rows)
    finally:
        conn.close()


def schema_text() -> str:
    """Describe the shop's tables and columns in plain text, for the exercise pages."""
    db = _template_db()
    with _lock:
        blocks = [_describe(db, table) for table in _TABLES]
    return "\n\n".join(blocks)


def _describe(db: sqlite3.Connection, table: str) -> str:
    (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    (create,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    comments = _column_comments(create)
    references = {
        row[3]: f"{row[2]}.{row[4]}"
        for row in db.execute(f"SELECT * FROM pragma_foreign_key_list('{table}')")
    }
    key = [
        name
        for _, name, _, _, _, pk in sorted(
            db.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5]
        )
        if pk
    ]
    lines = [f"{table} ({count} rows), primary key ({', '.join(key)})"]
    for _, name, kind, notnull, _, _ in db.execute(f"PRAGMA table_info({table})"):
        notes = []
        if name in references:
            notes.append(f"refers to {references[name]}")
        if not notnull and name not in key and not comments.get(name, "").startswith("NULL"):
            notes.append("may be NULL")
        if name in comments:
            notes.append(comments[name])
        lines.append(f"  {name:<17}{kind:<9}{'; '.join(notes)}".rstrip())
    return "\n".join(lines)


def _column_comments(create: str) -> dict[str, str]:
    """The `-- ...` note after a column in the CREATE TABLE text, by column name."""
    found = {}
    for line in create.splitlines():
        code, dash, comment = line.partition("--")
        words = code.split()
        if dash and words and words[0].isidentifier():
            found[words[0]] = comment.strip()
    return found
