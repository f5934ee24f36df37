"""Checks for the SQL exercises: the learner's query beside the model solution, case by case.

Each case runs the learner's query and the model solution from `data/exercises/sql.yaml`,
each on its own fresh copy of the shop, often after a few setup statements that change the
data (a new customer, a tie, an order imported late) so that an answer fitted to today's
rows, or one with a quiet NULL bug, shows itself. Rows are compared as multisets unless the
exercise asks for an order; numbers within a small tolerance; column names are free but the
number of columns is not. When rows differ, known wrong queries ("traps") are run on the same
data: if the learner's rows equal a trap's, the note names that mistake.

A `SqlError` from the learner's query is not caught: it reaches the runner, which shows its
one plain line ("SQL error: no such column: ...") as the learner's own error.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from . import sample_db
from .harness import Mismatch, Rows, Table, case

SQL_FILE = "sql.yaml"
DECIMALS = 6  # numbers equal to this many decimal places count as equal


@dataclass(frozen=True)
class Trap:
    """A known wrong query and what to tell a learner whose rows equal its rows."""

    sql: str
    note: str


# (learner's rows, expected rows missing from them, their rows not expected, expected rows)
Diagnose = Callable[[Rows, list[tuple], list[tuple], Rows], "str | None"]


def _yaml_path() -> Path:
    path = paths.content_dir() / "exercises" / SQL_FILE
    return path if path.exists() else paths.REPO_ROOT / "data" / "exercises" / SQL_FILE


@functools.lru_cache(maxsize=4)
def _exercises(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {raw["id"]: raw for raw in data["exercises"]}


def model(exercise_id: str) -> str:
    """The model solution of `exercise_id`, as written in sql.yaml."""
    return _exercises(_yaml_path())[exercise_id]["solution"]


def _ordered(exercise_id: str) -> bool:
    return bool(_exercises(_yaml_path())[exercise_id].get("ordered", False))


# Learner queries stopped at the deadline, so later cases fail at once instead of waiting
# out the deadline again (a check has several cases; each would cost the full time limit).
_stopped: dict[str, str] = {}


def _run_on_copy(sql: str, setup: str = "") -> Rows:
    conn = sample_db.fresh()
    try:
        if setup:
            sample_db.run(conn, setup)
        return _run_learner(conn, sql)
    finally:
        conn.close()


def _run_learner(conn: Any, sql: str) -> Rows:
    if sql in _stopped:
        raise sample_db.SqlTimeout(_stopped[sql])
    try:
        return sample_db.run(conn, sql)
    except sample_db.SqlTimeout as exc:
        _stopped[sql] = str(exc)
        raise


def _key(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), DECIMALS)
    return value


def _keys(rows: Sequence[tuple]) -> list[tuple]:
    return [tuple(_key(v) for v in row) for row in rows]


def _same(got: Rows, expected: Rows, ordered: bool) -> bool:
    if len(got.columns) != len(expected.columns) or got.truncated:
        return False
    if ordered:
        return _keys(got.rows) == _keys(expected.rows)
    return Counter(_keys(got.rows)) == Counter(_keys(expected.rows))


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _what(after: str) -> str:
    text = "Ran your query on a fresh copy of the shop"
    return f"{text}, after {after}" if after else text


def compare(
    exercise_id: str,
    query: str,
    *,
    after: str = "",
    setup: str = "",
    traps: Sequence[Trap] = (),
    diagnose: Diagnose | None = None,
    hint: str = "",
    order: str = "",
) -> Rows:
    """Run `query` and the model solution after `setup`; raise `Mismatch` unless rows agree.

    `after` says in words what `setup` did; `hint` closes a note that no trap explained;
    `order` says which row order the task asks for.
    """
    got = _run_on_copy(query, setup)  # a SqlError here is the learner's own
    expected = _run_on_copy(model(exercise_id), setup)
    ordered = _ordered(exercise_id)
    what = _what(after)
    table = Table(got=got, expected=expected, ordered=ordered)
    if len(got.columns) != len(expected.columns):
        raise Mismatch(
            what,
            note=(
                f"The task asks for {len(expected.columns)} columns "
                f"({', '.join(expected.columns)}) and your query returns "
                f"{len(got.columns)} ({', '.join(got.columns) or 'none'})."
            ),
            table=table,
        )
    if _same(got, expected, ordered):
        return got
    note = _explain(got, expected, ordered, setup, traps, diagnose, hint, order)
    raise Mismatch(what, note=note, table=table)


def _explain(
    got: Rows,
    expected: Rows,
    ordered: bool,
    setup: str,
    traps: Sequence[Trap],
    diagnose: Diagnose | None,
    hint: str,
    order: str,
) -> str:
    if got.truncated:
        return (
            f"Your query returned more than {_rows(len(got.rows))}, and "
            f"{_rows(len(expected.rows))} were expected (a join without its ON condition, or a "
            "missing GROUP BY?)."
        ) + (f" {hint}" if hint else "")
    have, want = Counter(_keys(got.rows)), Counter(_keys(expected.rows))
    if ordered and have == want:
        return f"These are the right rows in the wrong order: the task asks for them {order}."
    for trap in traps if got.rows else ():  # no rows says too little to name a mistake
        if _same(got, _run_on_copy(trap.sql, setup), ordered=False):
            return trap.note
    missing = [row for row in expected.rows if _key_row(row) in (want - have)]
    extra = [row for row in got.rows if _key_row(row) in (have - want)]
    if diagnose is not None:
        specific = diagnose(got, missing, extra, expected)
        if specific:
            return specific
    return _counts(got, missing, extra) + (f" {hint}" if hint else "")


def _key_row(row: tuple) -> tuple:
    return tuple(_key(v) for v in row)


def _counts(got: Rows, missing: list[tuple], extra: list[tuple]) -> str:
    if not got.rows:
        return f"Your query returned no rows; {_rows(len(missing))} were expected."
    parts = []
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        parts.append(
            f"{len(missing)} expected {_rows(len(missing)).split()[1]} {verb} missing "
            f"(for example {missing[0]!r})"
        )
    if extra:
        verb = "is" if len(extra) == 1 else "are"
        parts.append(f"{len(extra)} of your rows {verb} not expected (for example {extra[0]!r})")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def scenario(
    exercise_id: str,
    name: str,
    *,
    after: str = "",
    setup: str = "",
    traps: Sequence[Trap] = (),
    diagnose: Diagnose | None = None,
    hint: str = "",
    order: str = "",
) -> None:
    """Register a case that compares the learner's rows with the model's after `setup`."""

    def run(query: str) -> Rows:
        return compare(
            exercise_id,
            query,
            after=after,
            setup=setup,
            traps=traps,
            diagnose=diagnose,
            hint=hint,
            order=order,
        )

    case(exercise_id, name)(run)


# ---------------------------------------------------------------- revenue-by-category

_REVENUE_FROM = """
FROM order_items AS i
JOIN orders AS o ON o.id = i.order_id
JOIN products AS p ON p.id = i.product_id
"""
_REVENUE_TRAPS = (
    Trap(
        f"SELECT p.category, SUM(i.quantity * i.unit_price_cents) {_REVENUE_FROM}"
        "GROUP BY p.category",
        "Your totals count every order. Only paid and shipped orders brought money in: "
        "add WHERE o.status IN ('paid', 'shipped').",
    ),
    Trap(
        f"SELECT p.category, SUM(i.quantity * i.unit_price_cents) {_REVENUE_FROM}"
        "WHERE o.status <> 'cancelled' GROUP BY p.category",
        "Leaving out cancelled orders is not enough: pending and refunded orders brought no "
        "money in either. Keep only status IN ('paid', 'shipped').",
    ),
    Trap(
        f"SELECT p.category, SUM(i.quantity * p.price_cents) {_REVENUE_FROM}"
        "WHERE o.status IN ('paid', 'shipped') GROUP BY p.category",
        "Your totals use products.price_cents, today's price. Revenue is what customers "
        "paid: order_items.unit_price_cents, kept on each order line.",
    ),
    Trap(
        f"SELECT p.category, SUM(i.unit_price_cents) {_REVENUE_FROM}"
        "WHERE o.status IN ('paid', 'shipped') GROUP BY p.category",
        "Your totals add one unit per line: multiply unit_price_cents by quantity.",
    ),
)
_REVENUE_HINT = (  # the requirement again, not the query: prep.hint gives that away gradually
    "Revenue is what customers paid on each order line of a paid or shipped order, "
    "totalled for each product category."
)


def _revenue(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "revenue-by-category",
        name,
        after=after,
        setup=setup,
        traps=_REVENUE_TRAPS,
        hint=_REVENUE_HINT,
    )


_revenue("revenue per category on the shop's data")
_revenue(
    "a cancelled order adds nothing",
    after="adding a cancelled order of six burr grinders",
    setup="""
    INSERT INTO orders VALUES (1001, 3, 'cancelled', '2024-12-20 09:00:00', NULL, NULL);
    INSERT INTO order_items VALUES (1001, 14, 6, 8900);
    """,
)
_revenue(
    "pending and refunded orders add nothing",
    after="adding a pending and a refunded order of tea",
    setup="""
    INSERT INTO orders VALUES (1001, 3, 'pending', '2024-12-20 09:00:00', NULL, NULL),
                              (1002, 4, 'refunded', '2024-11-02 10:00:00',
                               '2024-11-04 08:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 10, 3, 1390), (1002, 7, 4, 990);
    """,
)
_revenue(
    "the price paid counts, not today's price",
    after="tripling every product's price in products.price_cents",
    setup="UPDATE products SET price_cents = price_cents * 3;",
)
_revenue(
    "quantity multiplies the price",
    after="adding a shipped order of six bars of chocolate",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'shipped', '2024-12-01 09:00:00',
                               '2024-12-02 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 22, 6, 390);
    """,
)
_revenue(
    "a new category appears once it sells",
    after="adding a 'gifts' category with one paid order",
    setup="""
    INSERT INTO products VALUES (26, 'Gift card 25', 'gifts', 2500, 0);
    INSERT INTO orders VALUES (1001, 6, 'paid', '2024-12-20 10:00:00', NULL, NULL);
    INSERT INTO order_items VALUES (1001, 26, 2, 2500);
    """,
)


# ---------------------------------------------------------- top-products-per-category

_TOP_REVENUE = """
WITH revenue AS (
    SELECT p.category, p.name, SUM(i.quantity * i.unit_price_cents) AS revenue_cents
    FROM order_items AS i
    JOIN orders AS o ON o.id = i.order_id
    JOIN products AS p ON p.id = i.product_id
    WHERE {status}
    GROUP BY p.id
)
"""


def _top(rank: str, partition: str = "PARTITION BY category", status: str = "") -> str:
    return (
        _TOP_REVENUE.format(status=status or "o.status IN ('paid', 'shipped')")
        + f"SELECT * FROM (SELECT category, name, revenue_cents, {rank}() OVER "
        f"({partition} ORDER BY revenue_cents DESC) AS place FROM revenue) WHERE place <= 3"
    )


_TOP_TRAPS = (
    Trap(
        _top("ROW_NUMBER"),
        "On a tie your places run 1, 2, 3 and one of the tied products is dropped: "
        "ROW_NUMBER gives every row its own number. RANK lets ties share a place.",
    ),
    Trap(
        _top("DENSE_RANK"),
        "After a tie your places go on with the next number (1, 1, 2): that is DENSE_RANK. "
        "The task skips places after a tie (1, 1, 3), which is RANK.",
    ),
    Trap(
        _top("RANK", partition=""),
        "Your ranking runs over all products at once. Rank within each category: "
        "OVER (PARTITION BY category ORDER BY revenue_cents DESC).",
    ),
    Trap(
        _top("RANK", status="1"),
        "Your revenue counts every order. Only paid and shipped orders count: "
        "filter o.status IN ('paid', 'shipped') before grouping.",
    ),
)
_TOP_HINT = (
    "Each category keeps its three highest-earning products (paid and shipped orders), "
    "with tied products sharing a place; products that earned nothing are not ranked."
)


def _few_rows(got: Rows, missing: list[tuple], extra: list[tuple], expected: Rows) -> str | None:
    if 0 < len(got.rows) <= 3 < len(expected.rows):
        return (
            f"Only {_rows(len(got.rows))} in all, but every category has a top three. "
            "LIMIT 3 keeps three rows of the whole result; rank within each category with "
            "RANK() OVER (PARTITION BY category ...) and keep place <= 3."
        )
    return None


def _top_case(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "top-products-per-category",
        name,
        after=after,
        setup=setup,
        traps=_TOP_TRAPS,
        diagnose=_few_rows,
        hint=_TOP_HINT,
    )


_top_case("the top three of every category on the shop's data")
_top_case(
    "a tie for third place keeps both products",
    after="a small sale that brings Earl Grey level with Rooibos vanilla, third in tea",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'shipped', '2024-12-01 09:00:00',
                               '2024-12-02 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 11, 1, 150);
    """,
)
_top_case(
    "a tie at the top skips second place",
    after="a sale that brings Cold brew pack level with the house espresso, first in coffee",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'shipped', '2024-12-01 09:00:00',
                               '2024-12-02 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 5, 1, 27510);
    """,
)
_top_case(
    "a category that sold two products shows two",
    after="deleting every order line of the double-wall glasses, so tableware sold only two",
    setup="DELETE FROM order_items WHERE product_id = 18;",
)
_top_case(
    "a cancelled order does not lift a product",
    after="adding a cancelled order of 60 packs of paper filters",
    setup="""
    INSERT INTO orders VALUES (1001, 3, 'cancelled', '2024-12-20 09:00:00', NULL, NULL);
    INSERT INTO order_items VALUES (1001, 13, 60, 590);
    """,
)
_top_case(
    "a new category is ranked on its own",
    after="adding a 'gifts' category with one shipped order",
    setup="""
    INSERT INTO products VALUES (26, 'Gift card 25', 'gifts', 2500, 0);
    INSERT INTO orders VALUES (1001, 6, 'shipped', '2024-12-02 10:00:00',
                               '2024-12-03 10:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 26, 1, 2500);
    """,
)


# ------------------------------------------------------- orders-without-spring-coupon

_APRIL = "ordered_at >= '2024-04-01' AND ordered_at < '2024-05-01'"
_COUPON_NULL_NOTE = (
    "The orders with no coupon are missing. When coupon_code is NULL, "
    "`coupon_code != 'SPRING10'` is NULL, not true, so WHERE drops the row; "
    "`coupon_code IS NOT 'SPRING10'` is true for NULL too."
)
_COUPON_TRAPS = (
    Trap(
        f"SELECT id, customer_id, ordered_at, coupon_code FROM orders "
        f"WHERE {_APRIL} AND coupon_code <> 'SPRING10'",
        _COUPON_NULL_NOTE,
    ),
    Trap(
        f"SELECT id, customer_id, ordered_at, coupon_code FROM orders "
        f"WHERE {_APRIL} AND coupon_code IS NULL",
        "You kept only the orders with no coupon. An order with another coupon did not use "
        "SPRING10 either, so it belongs in the list.",
    ),
    Trap(
        f"SELECT id, customer_id, ordered_at, coupon_code FROM orders "
        f"WHERE {_APRIL} AND coupon_code NOT IN ('SPRING10')",
        "`coupon_code NOT IN ('SPRING10')` is NULL when coupon_code is NULL, so the orders "
        "with no coupon drop out; `coupon_code IS NOT 'SPRING10'` keeps them.",
    ),
    Trap(
        "SELECT id, customer_id, ordered_at, coupon_code FROM orders "
        "WHERE ordered_at >= '2024-04-01' AND ordered_at <= '2024-04-30' "
        "AND coupon_code IS NOT 'SPRING10'",
        "Orders on 30 April are missing: ordered_at is text, and '2024-04-30 18:00:00' sorts "
        "after '2024-04-30'. Use ordered_at < '2024-05-01' as the end.",
    ),
)


def _null_coupon_missing(
    got: Rows, missing: list[tuple], extra: list[tuple], expected: Rows
) -> str | None:
    if not missing or extra or any(row[3] is not None for row in missing):
        return None
    if len(missing) == len(expected.rows):
        return (
            f"Your query returned no rows; {_rows(len(missing))} were expected, all with "
            f"coupon_code NULL. {_COUPON_NULL_NOTE.split('. ', 1)[1]}"
        )
    return _COUPON_NULL_NOTE


def _coupon(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "orders-without-spring-coupon",
        name,
        after=after,
        setup=setup,
        traps=_COUPON_TRAPS,
        diagnose=_null_coupon_missing,
        hint="Keep the April 2024 orders whose coupon_code is anything but SPRING10, NULL too.",
    )


_coupon("April orders without SPRING10 on the shop's data")
_coupon(
    "an order with another coupon is listed",
    after="adding an April order with the coupon FREESHIP",
    setup="INSERT INTO orders VALUES (1001, 6, 'shipped', '2024-04-15 12:00:00', "
    "'2024-04-17 09:00:00', 'FREESHIP');",
)
_coupon(
    "an order on the evening of 30 April is listed",
    after="adding an order with no coupon at 2024-04-30 21:15:00",
    setup="INSERT INTO orders VALUES (1001, 6, 'shipped', '2024-04-30 21:15:00', "
    "'2024-05-02 09:00:00', NULL);",
)
_coupon(
    "an order at midnight on 1 May is not",
    after="adding an order with no coupon at 2024-05-01 00:00:00",
    setup="INSERT INTO orders VALUES (1001, 6, 'shipped', '2024-05-01 00:00:00', "
    "'2024-05-02 09:00:00', NULL);",
)
_coupon(
    "a new SPRING10 order stays out",
    after="adding an April guest checkout that used SPRING10",
    setup="INSERT INTO orders VALUES (1001, NULL, 'shipped', '2024-04-20 08:00:00', "
    "'2024-04-22 09:00:00', 'SPRING10');",
)


# ---------------------------------------------------------- customers-without-orders

# NOT IN over a list holding a NULL, and HAVING COUNT(*) = 0 after a LEFT JOIN, return no
# rows at all, which a trap cannot tell apart: `_nobody` names both.
_NO_ORDERS_TRAPS = (
    Trap(
        "SELECT DISTINCT c.id, c.name, c.email FROM customers AS c "
        "JOIN orders AS o ON o.customer_id = c.id",
        "These are the customers who did order: an inner JOIN keeps only matches. Keep the "
        "customers with no matching order (NOT EXISTS, or LEFT JOIN ... WHERE o.id IS NULL).",
    ),
    Trap(
        "SELECT c.id, c.name, c.email FROM customers AS c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders AS o WHERE o.customer_id = c.id AND o.status <> 'cancelled')",
        "A customer whose only order was cancelled still placed an order; the task wants "
        "customers with no order of any status.",
    ),
)


def _nobody(got: Rows, missing: list[tuple], extra: list[tuple], expected: Rows) -> str | None:
    if missing and len(missing) == len(expected.rows) and not extra:
        return (
            f"Your query returned no rows; {_rows(len(missing))} were expected. Two usual "
            "causes: `NOT IN (SELECT customer_id FROM orders)` is never true once that list "
            "holds a NULL, and guest checkouts put one there; and after a LEFT JOIN, "
            "COUNT(*) counts the all-NULL row made up for a customer with no orders, so it "
            "is never 0 (COUNT(o.id) is)."
        )
    return None


def _no_orders(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "customers-without-orders",
        name,
        after=after,
        setup=setup,
        traps=_NO_ORDERS_TRAPS,
        diagnose=_nobody,
        hint="List every customer with no row in orders at all, whatever its status.",
    )


_no_orders("customers with no orders on the shop's data")
_no_orders(
    "a customer who signs up today is listed",
    after="adding customer 41, who has not ordered yet",
    setup="INSERT INTO customers VALUES (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', "
    "'PT', '2024-12-20 08:00:00', NULL);",
)
_no_orders(
    "a customer whose only order was cancelled is not listed",
    after="adding customer 41 with one cancelled order",
    setup="""
    INSERT INTO customers VALUES (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', 'PT',
                                  '2024-12-01 08:00:00', NULL);
    INSERT INTO orders VALUES (1001, 41, 'cancelled', '2024-12-02 09:00:00', NULL, NULL);
    """,
)
_no_orders(
    "customers are told apart by id, not by name",
    after="adding a second 'Amara Okafor' (customer 41) who has not ordered",
    setup="INSERT INTO customers VALUES (41, 'Amara Okafor', 'amara.okafor2@example.com', "
    "'Leeds', 'GB', '2024-12-03 08:00:00', NULL);",
)
_no_orders(
    "a customer who has just ordered leaves the list",
    after="giving customer 7 a first order",
    setup="INSERT INTO orders VALUES (1001, 7, 'pending', '2024-12-20 16:00:00', NULL, NULL);",
)


# ----------------------------------------------------------- n-plus-one-packing-list

_PACKING_ORDER = "by ordered_at, oldest first, and by id among orders placed in the same second"
_PACKING_TRAPS = (
    Trap(
        "SELECT o.id, o.ordered_at, c.name, c.city FROM orders AS o "
        "JOIN customers AS c ON c.id = o.customer_id WHERE o.status = 'paid'",
        "An order with no matching customer is missing: an inner JOIN drops it, while the "
        "loop keeps it with None for the name and city. Use LEFT JOIN customers.",
    ),
)


def _guest_missing(
    got: Rows, missing: list[tuple], extra: list[tuple], expected: Rows
) -> str | None:
    if missing and not extra and all(row[2] is None for row in missing):
        return _PACKING_TRAPS[0].note
    return None


def _packing(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "n-plus-one-packing-list",
        name,
        after=after,
        setup=setup,
        traps=_PACKING_TRAPS,
        diagnose=_guest_missing,
        hint="Return what the loop builds: each paid order with its customer's name and city.",
        order=_PACKING_ORDER,
    )


_packing("the packing list on the shop's data, in the loop's order")
_packing(
    "an order imported late sorts by its time, not its id",
    after="importing a paid order from 1 December with id 1001",
    setup="INSERT INTO orders VALUES (1001, 5, 'paid', '2024-12-01 08:00:00', NULL, NULL);",
)
_packing(
    "an order whose customer row is gone keeps its place",
    after="deleting customer 27, whose order 234 is waiting to ship",
    setup="DELETE FROM customers WHERE id = 27;",
)
_packing(
    "the list follows the data: an order ships and a customer moves",
    after="shipping order 231 and moving customer 11 to Gdańsk",
    setup="""
    UPDATE orders SET status = 'shipped', shipped_at = '2024-12-21 09:00:00' WHERE id = 231;
    UPDATE customers SET city = 'Gdańsk', country = 'PL' WHERE id = 11;
    """,
)
_packing(
    "orders placed in the same second come in id order",
    after="adding paid orders 1001 and 1002 at the same second as order 241",
    setup="""
    INSERT INTO orders VALUES (1002, 6, 'paid', '2024-12-10 10:39:39', NULL, NULL),
                              (1001, 12, 'paid', '2024-12-10 10:39:39', NULL, NULL);
    """,
)


# --------------------------------------------------------------- index-order-history

HISTORY_QUERY = (
    "SELECT id, status, ordered_at FROM orders WHERE customer_id = {customer} "
    "ORDER BY ordered_at DESC"
)
_HISTORY_WHAT = "Ran your statements on a fresh copy of the shop, then EXPLAIN QUERY PLAN of "


def _indexed(statements: str, setup: str = "") -> Any:
    conn = sample_db.fresh()
    try:
        if setup:
            sample_db.run(conn, setup)
        _run_learner(conn, statements)  # a SqlError here is the learner's own
    except BaseException:
        conn.close()
        raise
    return conn


def _plan(conn: Any, customer: int = 28) -> list[str]:
    rows = sample_db.run(conn, "EXPLAIN QUERY PLAN " + HISTORY_QUERY.format(customer=customer))
    return [str(row[3]) for row in rows.rows]


def _orders_step(plan: list[str]) -> str:
    """The plan line that reads the orders table ("SCAN orders", "SEARCH TABLE orders ...")."""
    for line in plan:
        words = line.split()
        if words[:1] in (["SCAN"], ["SEARCH"]):
            rest = words[2:] if words[1:2] == ["TABLE"] else words[1:]  # SQLite < 3.36
            if rest[:1] == ["orders"]:
                return line
    return ""


def _sorts(plan: list[str]) -> bool:
    return any("TEMP B-TREE" in line and "ORDER BY" in line for line in plan)


def _plan_rows(plan: list[str]) -> Rows:
    return Rows(("plan",), tuple((line,) for line in plan))


def _searches(plan: list[str]) -> bool:
    step = _orders_step(plan)
    return step.startswith("SEARCH") and ("USING INDEX" in step or "USING COVERING INDEX" in step)


def _search_note(plan: list[str]) -> str:
    step = _orders_step(plan)
    if "USING" in step and step.startswith("SCAN"):
        return (
            "SQLite walks your whole index in order, reading every order's entry, because "
            "the index does not start with customer_id. Put the column compared with = first."
        )
    return (
        "The plan does not use an index on orders. This query can use one only if its first "
        "column is customer_id, the column the WHERE compares with =."
    )


@case("index-order-history", "your statements create an index on orders")
def _(statements: str) -> Rows:
    conn = _indexed(statements)
    try:
        rows = conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    on_orders = [name for name, table in rows if table == "orders"]
    if on_orders:
        return Rows(("index on orders",), tuple((name,) for name in on_orders))
    elsewhere = ", ".join(f"{name} on {table}" for name, table in rows)
    raise Mismatch(
        "Ran your statements on a fresh copy of the shop, then listed the indexes on orders",
        expected="at least one index on orders",
        got=f"none (you created {elsewhere})" if elsewhere else "no index at all",
        note=(
            "The history query reads the orders table, so the index goes there: "
            "CREATE INDEX some_name ON orders (column, ...)."
        ),
    )


@case("index-order-history", "the query searches orders through the index instead of scanning")
def _(statements: str) -> Rows:
    conn = _indexed(statements)
    try:
        plan = _plan(conn)
    finally:
        conn.close()
    if not _searches(plan):
        raise Mismatch(
            _HISTORY_WHAT + HISTORY_QUERY.format(customer=28),
            expected="SEARCH orders USING INDEX ... (customer_id=?)",
            got=" / ".join(plan),
            note=_search_note(plan),
        )
    return _plan_rows(plan)


@case("index-order-history", "the rows come from the index in order, with no separate sort")
def _(statements: str) -> Rows:
    conn = _indexed(statements)
    try:
        plan = _plan(conn)
    finally:
        conn.close()
    if _sorts(plan):
        note = "SQLite still sorts the rows in a temporary B-tree" + (
            ": your index finds the customer's orders but not in time order. Add "
            "ordered_at as the next column after customer_id."
            if _searches(plan)
            else ". An index on (customer_id, ordered_at) both finds and orders them."
        )
        raise Mismatch(
            _HISTORY_WHAT + HISTORY_QUERY.format(customer=28),
            expected="no USE TEMP B-TREE FOR ORDER BY line",
            got=" / ".join(plan),
            note=note,
        )
    return _plan_rows(plan)


@case("index-order-history", "the query's rows are unchanged")
def _(statements: str) -> Rows:
    query = HISTORY_QUERY.format(customer=28)
    before = _run_on_copy(query)
    conn = _indexed(statements)
    try:
        after = sample_db.run(conn, query)
    finally:
        conn.close()
    if not _same(after, before, ordered=True):
        raise Mismatch(
            "Ran your statements on a fresh copy of the shop, then the history query",
            note=(
                "The history query returns different rows after your statements. "
                "Add an index and change nothing else: an index never changes a result."
            ),
            table=Table(got=after, expected=before, ordered=True),
        )
    return after


@case("index-order-history", "any customer's history uses the index, not only customer 28's")
def _(statements: str) -> Rows:
    conn = _indexed(statements)
    try:
        plan, plan_28 = _plan(conn, customer=3), _plan(conn)
    finally:
        conn.close()
    if _searches(plan) and not _sorts(plan):
        return _plan_rows(plan)
    if _searches(plan_28) and not _sorts(plan_28):
        note = (
            "Customer 28's page is fast but customer 3's still scans or sorts: an index "
            "limited to one customer (CREATE INDEX ... WHERE customer_id = 28) serves only "
            "that page. Index (customer_id, ordered_at) for every customer."
        )
    else:
        note = (
            "As for customer 28, the plan still scans or sorts; an index on "
            "(customer_id, ordered_at) serves every customer's page."
        )
    raise Mismatch(
        _HISTORY_WHAT + HISTORY_QUERY.format(customer=3),
        expected="SEARCH orders USING INDEX ... (customer_id=?) and no temporary B-tree",
        got=" / ".join(plan),
        note=note,
    )


@case("index-order-history", "two orders in the same second can still be placed")
def _(statements: str) -> None:
    conn = _indexed(statements)
    try:
        sample_db.run(
            conn,
            "INSERT INTO orders (customer_id, status, ordered_at) "
            "VALUES (28, 'pending', '2024-12-20 14:06:39')",
        )
    except sample_db.SqlError as exc:
        raise Mismatch(
            "Ran your statements on a fresh copy of the shop, then added an order for "
            "customer 28 in the same second as their order 266",
            expected="the order is accepted",
            got=str(exc),
            note=(
                "A UNIQUE index refuses the second order, yet customers do place two orders "
                "in the same second (orders 226 and 227). Use a plain CREATE INDEX."
            ),
        ) from None
    finally:
        conn.close()


# ------------------------------------------------------------------ repeat-customers

_REPEAT_TRAPS = (
    Trap(
        "SELECT c.id, c.name, COUNT(*) FROM customers AS c JOIN orders AS o "
        "ON o.customer_id = c.id WHERE o.status <> 'cancelled' GROUP BY c.id "
        "HAVING COUNT(*) > 5",
        "Customers with exactly five orders are missing: at least five is >= 5, not > 5.",
    ),
    Trap(
        "SELECT c.id, c.name, COUNT(*) FROM customers AS c JOIN orders AS o "
        "ON o.customer_id = c.id GROUP BY c.id HAVING COUNT(*) >= 5",
        "Your counts include cancelled orders. Leave them out in WHERE, before grouping: "
        "WHERE o.status <> 'cancelled'.",
    ),
    Trap(
        "SELECT c.id, c.name, COUNT(*) FROM customers AS c JOIN orders AS o "
        "ON o.customer_id = c.id WHERE o.status IN ('paid', 'shipped') GROUP BY c.id "
        "HAVING COUNT(*) >= 5",
        "Only cancelled orders are left out: pending and refunded orders count too.",
    ),
    Trap(
        "SELECT MIN(c.id), c.name, COUNT(*) FROM customers AS c JOIN orders AS o "
        "ON o.customer_id = c.id WHERE o.status <> 'cancelled' GROUP BY c.name "
        "HAVING COUNT(*) >= 5",
        "Two customers with the same name are counted as one: group by c.id, not by the name.",
    ),
)


def _repeat(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "repeat-customers",
        name,
        after=after,
        setup=setup,
        traps=_REPEAT_TRAPS,
        hint="Count each customer's orders other than cancelled ones and keep counts of 5 or more.",
    )


_repeat("customers with five or more orders on the shop's data")
_repeat(
    "cancelled orders do not count",
    after="giving customer 34 (four orders) three cancelled orders",
    setup="""
    INSERT INTO orders VALUES (1001, 34, 'cancelled', '2024-12-20 09:00:00', NULL, NULL),
                              (1002, 34, 'cancelled', '2024-12-20 09:05:00', NULL, NULL),
                              (1003, 34, 'cancelled', '2024-12-20 09:10:00', NULL, NULL);
    """,
)
_repeat(
    "a refunded order counts",
    after="giving customer 34 (four orders) a refunded fifth order",
    setup="INSERT INTO orders VALUES (1001, 34, 'refunded', '2024-11-20 09:00:00', "
    "'2024-11-22 09:00:00', NULL);",
)
_repeat(
    "a new customer with five orders is listed",
    after="adding customer 41 with five pending orders",
    setup="""
    INSERT INTO customers VALUES (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', 'PT',
                                  '2024-12-01 08:00:00', NULL);
    INSERT INTO orders (customer_id, status, ordered_at)
    VALUES (41, 'pending', '2024-12-20 10:00:00'), (41, 'pending', '2024-12-20 10:01:00'),
           (41, 'pending', '2024-12-20 10:02:00'), (41, 'pending', '2024-12-20 10:03:00'),
           (41, 'pending', '2024-12-20 10:04:00');
    """,
)
_repeat(
    "two customers who share a name are counted apart",
    after="adding a second 'Jonas Gruber' (customer 41) with one order",
    setup="""
    INSERT INTO customers VALUES (41, 'Jonas Gruber', 'jonas.gruber2@example.com', 'Graz',
                                  'AT', '2024-12-01 08:00:00', NULL);
    INSERT INTO orders VALUES (1001, 41, 'shipped', '2024-12-02 09:00:00',
                               '2024-12-03 09:00:00', NULL);
    """,
)


# ------------------------------------------------------ monthly-revenue-running-total

_MONTHLY = """
WITH monthly AS (
    SELECT strftime('{fmt}', o.ordered_at) AS month,
           SUM(i.quantity * i.unit_price_cents) AS revenue_cents
    FROM orders AS o JOIN order_items AS i ON i.order_id = o.id
    WHERE {status}
    GROUP BY month
)
SELECT month, revenue_cents, SUM(revenue_cents) OVER ({window}) FROM monthly ORDER BY month
"""


def _monthly(fmt: str = "%Y-%m", status: str = "", window: str = "ORDER BY month") -> str:
    return _MONTHLY.format(
        fmt=fmt, status=status or "o.status IN ('paid', 'shipped')", window=window
    )


_MONTHLY_TRAPS = (
    Trap(
        _monthly(window=""),
        "Every row carries the total of all months: with OVER () the window is the whole "
        "result. OVER (ORDER BY month) sums from the first month to the current one.",
    ),
    Trap(
        _monthly(fmt="%m"),
        "Months of different years are merged: strftime('%m') is only the month number. "
        "Group by strftime('%Y-%m', ordered_at).",
    ),
    Trap(
        _monthly(status="1"),
        "Your revenue counts every order. Only paid and shipped orders count: "
        "WHERE o.status IN ('paid', 'shipped').",
    ),
)


def _month_case(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "monthly-revenue-running-total",
        name,
        after=after,
        setup=setup,
        traps=_MONTHLY_TRAPS,
        hint=(
            "Each row is one 'YYYY-MM' month with its paid and shipped revenue and the sum "
            "of that and every earlier month."
        ),
        order="by month, earliest first",
    )


_month_case("monthly revenue and running total on the shop's data")
_month_case(
    "an order in January 2025 is a month of its own",
    after="adding a shipped order on 3 January 2025",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'shipped', '2025-01-03 09:00:00',
                               '2025-01-04 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 12, 1, 2290);
    """,
)
_month_case(
    "cancelled and refunded orders add nothing",
    after="adding a cancelled and a refunded order in March",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'cancelled', '2024-03-10 09:00:00', NULL, NULL),
                              (1002, 6, 'refunded', '2024-03-11 09:00:00',
                               '2024-03-12 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 14, 2, 7900), (1002, 15, 1, 5490);
    """,
)
_month_case(
    "a month with no paid or shipped orders does not appear",
    after="cancelling every order placed in June",
    setup="UPDATE orders SET status = 'cancelled', shipped_at = NULL "
    "WHERE ordered_at LIKE '2024-06-%';",
)
_month_case(
    "quantities and the prices paid make the revenue",
    after="adding a shipped order of six burr grinders at the old price in May",
    setup="""
    INSERT INTO orders VALUES (1001, 5, 'shipped', '2024-05-20 09:00:00',
                               '2024-05-21 09:00:00', NULL);
    INSERT INTO order_items VALUES (1001, 14, 6, 7900);
    """,
)


# ---------------------------------------------------------- latest-order-per-customer

_LATEST_TRAPS = (
    Trap(
        "SELECT customer_id, id, MAX(ordered_at), status FROM orders "
        "WHERE customer_id IS NOT NULL GROUP BY customer_id",
        "When two orders share the latest ordered_at, your query picks the lower id; the "
        "task wants the higher one. Say so in the order: ORDER BY ordered_at DESC, id DESC "
        "(a bare column beside MAX() comes from any one of the tied rows).",
    ),
    Trap(
        "SELECT o.customer_id, o.id, o.ordered_at, o.status FROM orders AS o "
        "WHERE o.id = (SELECT MAX(id) FROM orders WHERE customer_id = o.customer_id)",
        "The highest id is not always the latest order: an order imported late gets a high "
        "id and an old ordered_at. Order by ordered_at first, and by id only on a tie.",
    ),
    Trap(
        "SELECT customer_id, id, ordered_at, status FROM (SELECT *, ROW_NUMBER() OVER "
        "(PARTITION BY customer_id ORDER BY ordered_at DESC, id DESC) AS n FROM orders) "
        "WHERE n = 1",
        "There is a row with customer_id NULL: the guest checkouts form a partition of "
        "their own. Leave them out with WHERE customer_id IS NOT NULL.",
    ),
    Trap(
        "SELECT o.customer_id, o.id, o.ordered_at, o.status FROM orders AS o "
        "JOIN (SELECT customer_id, MAX(ordered_at) AS latest FROM orders GROUP BY customer_id) "
        "AS m ON m.customer_id = o.customer_id AND m.latest = o.ordered_at",
        "A customer with two orders at the latest time gets two rows. Break the tie: keep "
        "the higher id (ROW_NUMBER() OVER (... ORDER BY ordered_at DESC, id DESC)).",
    ),
)


def _null_customer(
    got: Rows, missing: list[tuple], extra: list[tuple], expected: Rows
) -> str | None:
    if extra and all(row[0] is None for row in extra):
        return _LATEST_TRAPS[2].note
    return None


def _latest(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "latest-order-per-customer",
        name,
        after=after,
        setup=setup,
        traps=_LATEST_TRAPS,
        diagnose=_null_customer,
        hint=(
            "One row per customer: the order with the greatest ordered_at, the higher id "
            "on a tie, guest checkouts left out."
        ),
    )


_latest("each customer's latest order on the shop's data")
_latest(
    "an order imported late counts by its time, not its id",
    after="importing an order of customer 28 from January with id 1001",
    setup="INSERT INTO orders VALUES (1001, 28, 'shipped', '2024-01-15 10:00:00', "
    "'2024-01-16 10:00:00', NULL);",
)
_latest(
    "a tie on the latest time goes to the higher id",
    after="adding order 1001 of customer 30 at the same second as their order 120",
    setup="INSERT INTO orders VALUES (1001, 30, 'cancelled', '2024-07-04 01:31:26', NULL, NULL);",
)
_latest(
    "a new order becomes the latest",
    after="adding an order of customer 5 on 21 December",
    setup="INSERT INTO orders VALUES (1001, 5, 'pending', '2024-12-21 09:00:00', NULL, NULL);",
)
_latest(
    "guest checkouts are left out",
    after="adding a guest checkout on 22 December",
    setup="INSERT INTO orders VALUES (1001, NULL, 'pending', '2024-12-22 09:00:00', NULL, NULL);",
)


# ------------------------------------------------------------------- referral-counts

_REFERRAL_TRAPS = (
    Trap(
        "SELECT r.id, r.name, COUNT(*), COUNT(o.customer_id) FROM customers AS r "
        "JOIN customers AS c ON c.referred_by = r.id LEFT JOIN orders AS o "
        "ON o.customer_id = c.id AND o.status <> 'cancelled' GROUP BY r.id",
        "Your counts are counts of orders: after joining orders there is one row per order, "
        "so a friend with twelve orders counts twelve times. Count DISTINCT customer ids.",
    ),
    Trap(
        "SELECT r.id, r.name, COUNT(DISTINCT c.id), COUNT(DISTINCT o.customer_id) "
        "FROM customers AS r JOIN customers AS c ON c.referred_by = r.id "
        "JOIN orders AS o ON o.customer_id = c.id AND o.status <> 'cancelled' GROUP BY r.id",
        "Referred customers with no order are left out of 'referred': an inner JOIN orders "
        "drops them. Use LEFT JOIN orders, with the status test in its ON clause.",
    ),
    Trap(
        "SELECT r.id, r.name, COUNT(DISTINCT c.id), COUNT(DISTINCT o.customer_id) "
        "FROM customers AS r JOIN customers AS c ON c.referred_by = r.id "
        "LEFT JOIN orders AS o ON o.customer_id = c.id GROUP BY r.id",
        "Your buyers include customers whose only orders were cancelled; count only orders "
        "that were not cancelled (o.status <> 'cancelled' in the ON clause).",
    ),
    Trap(
        "SELECT r.id, r.name, COUNT(DISTINCT c.id), COUNT(DISTINCT o.customer_id) "
        "FROM customers AS r JOIN customers AS c ON r.referred_by = c.id "
        "LEFT JOIN orders AS o ON o.customer_id = c.id AND o.status <> 'cancelled' "
        "GROUP BY r.id",
        "The join runs the wrong way: you list the referred customers with their referrer. "
        "Match referred.referred_by = referrer.id.",
    ),
)


def _referral(name: str, after: str = "", setup: str = "") -> None:
    scenario(
        "referral-counts",
        name,
        after=after,
        setup=setup,
        traps=_REFERRAL_TRAPS,
        hint=(
            "One row per customer who referred someone: how many they referred, and how many "
            "of those have an order that was not cancelled."
        ),
    )


_referral("referrers and their buyers on the shop's data")
_referral(
    "a friend whose only order was cancelled is no buyer",
    after="adding customer 41, referred by customer 1, with one cancelled order",
    setup="""
    INSERT INTO customers VALUES (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', 'PT',
                                  '2024-12-01 08:00:00', 1);
    INSERT INTO orders VALUES (1001, 41, 'cancelled', '2024-12-02 09:00:00', NULL, NULL);
    """,
)
_referral(
    "a referrer whose friends never bought shows 0 buyers",
    after="adding customer 41 and customer 42, referred by 41, neither of whom ordered",
    setup="""
    INSERT INTO customers VALUES
        (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', 'PT', '2024-12-01 08:00:00', NULL),
        (42, 'Rui Lima', 'rui.lima@example.com', 'Porto', 'PT', '2024-12-02 08:00:00', 41);
    """,
)
_referral(
    "a friend with many orders counts once",
    after="giving customer 29 (referred by customer 1) four more orders",
    setup="""
    INSERT INTO orders (customer_id, status, ordered_at)
    VALUES (29, 'pending', '2024-12-20 10:00:00'), (29, 'pending', '2024-12-20 10:01:00'),
           (29, 'paid', '2024-12-20 10:02:00'), (29, 'paid', '2024-12-20 10:03:00');
    """,
)
_referral(
    "a new referral shows up in the counts",
    after="adding customer 41, referred by customer 26, with one shipped order",
    setup="""
    INSERT INTO customers VALUES (41, 'Ana Lima', 'ana.lima@example.com', 'Porto', 'PT',
                                  '2024-12-01 08:00:00', 26);
    INSERT INTO orders VALUES (1001, 41, 'shipped', '2024-12-02 09:00:00',
                               '2024-12-03 09:00:00', NULL);
    """,
)
