"""The SQL exercises: the shop database, running learner SQL safely, and every exercise's checks."""

from __future__ import annotations

import re
import time

import pytest

from prep.exercises import catalog, runner, sample_db, sql_checks
from prep.exercises.harness import Mismatch

SQL = catalog.load().select(kind="sql")
SQL_IDS = [e.id for e in SQL]


def _check(exercise_id: str, query: str):
    return runner.check(catalog.load().get(exercise_id), query)


def _failures(report) -> dict[str, str]:
    return {r.name: r.message for r in report.results if not r.ok}


# ---------------------------------------------------------------- the shop database


def test_shop_is_small_and_has_the_rows_the_exercises_need():
    assert sample_db.shop_path().stat().st_size < 200_000
    counts = {
        table: sample_db.explore(f"SELECT count(*) FROM {table}").rows[0][0]
        for table in ("customers", "products", "orders", "order_items")
    }
    assert counts == {"customers": 40, "products": 25, "orders": 266, "order_items": 579}
    facts = sample_db.explore(
        "SELECT (SELECT count(*) FROM orders WHERE customer_id IS NULL),"
        " (SELECT count(*) FROM orders WHERE coupon_code IS NULL),"
        " (SELECT count(DISTINCT category) FROM products),"
        " (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL)"
    ).rows[0]
    assert facts == (4, 214, 5, 0)  # guest checkouts, NULL coupons, categories, no indexes


def test_schema_text_describes_every_table_and_column():
    text = sample_db.schema_text()
    for word in ("customers (40 rows)", "order_items (579 rows)", "unit_price_cents"):
        assert word in text
    assert "customer_id      INTEGER  refers to customers.id; NULL: a guest checkout" in text


@pytest.mark.parametrize("harm", ["DROP TABLE customers", "DELETE FROM orders"])
def test_destructive_sql_harms_only_its_own_copy(harm):
    conn = sample_db.fresh()
    sample_db.run(conn, harm)
    assert sample_db.explore("SELECT count(*) FROM customers").rows == ((40,),)
    assert sample_db.explore("SELECT count(*) FROM orders").rows == ((266,),)


def test_destructive_sql_in_a_check_leaves_the_next_check_unaffected():
    exercise = catalog.load().get("customers-without-orders")
    report = runner.check(exercise, "DROP TABLE customers; DELETE FROM orders; SELECT 1, 2, 3")
    assert report.tests_passed == 0
    assert runner.check(exercise, exercise.solution).passed


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC * FROM customers", 'SQL error: near "SELEC": syntax error'),
        ("SELECT * FROM customer", "SQL error: no such table: customer"),
        ("SELECT nmae FROM customers", "SQL error: no such column: nmae"),
        ("  -- just a comment\n ; ;", "SQL error: there is no statement to run"),
    ],
)
def test_a_bad_query_is_one_plain_line(query, message):
    with pytest.raises(sample_db.SqlError) as raised:
        sample_db.explore(query)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_runaway_recursive_query_stops_and_the_copy_stays_usable():
    conn = sample_db.fresh()
    start = time.monotonic()
    with pytest.raises(sample_db.SqlError, match=r"stopped after 2 s"):
        sample_db.run(
            conn,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n",
        )
    assert time.monotonic() - start < 3
    assert sample_db.run(conn, "SELECT count(*) FROM products").rows == ((25,),)


def test_a_runaway_query_in_a_check_waits_out_the_deadline_once_not_per_case():
    start = time.monotonic()
    report = _check(
        "repeat-customers",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i), 1, 1"
        " FROM n",
    )
    assert time.monotonic() - start < 5  # five cases, one 2 s deadline
    assert report.failed == report.total == 5
    assert all(r.message.startswith("SQL error: stopped after 2 s") for r in report.results)


@pytest.mark.parametrize(
    "statement",
    ["ATTACH DATABASE '{path}' AS x", "VACUUM INTO '{path}'"],
)
def test_nothing_can_write_a_file(tmp_path, statement):
    path = tmp_path / "x.db"
    with pytest.raises(sample_db.SqlError, match="cannot open other database files"):
        sample_db.explore(statement.format(path=path))
    assert not path.exists()


def test_only_describing_pragmas_are_allowed():
    with pytest.raises(sample_db.SqlError, match="PRAGMA journal_mode is switched off"):
        sample_db.explore("PRAGMA journal_mode = WAL")
    assert len(sample_db.explore("PRAGMA table_info(orders)").rows) == 6


def test_several_statements_return_the_last_ones_rows():
    rows = sample_db.explore(
        "-- a comment; with a semicolon\n"
        "CREATE TEMP TABLE t (x TEXT);;\n"
        "INSERT INTO t VALUES ('a;b'), ('c');\n"
        "SELECT x AS value FROM t ORDER BY x /* done; */"
    )
    assert rows.columns == ("value",) and rows.rows == (("a;b",), ("c",))


def test_rows_past_the_cap_are_cut_and_flagged():
    rows = sample_db.explore("SELECT id FROM orders", max_rows=10)
    assert len(rows.rows) == 10 and rows.truncated
    with pytest.raises(Mismatch) as raised:
        sql_checks.compare("repeat-customers", "SELECT o.id, c.id, 1 FROM orders o, customers c")
    assert raised.value.note.startswith("Your query returned more than 1000 rows")


# ---------------------------------------------------------------- the exercises


def test_there_are_at_least_nine_sql_exercises_with_five_cases_each():
    assert len(SQL) >= 9
    assert all(len(catalog.load().cases(e.id)) >= 5 for e in SQL)


@pytest.mark.parametrize("exercise_id", SQL_IDS)
def test_the_model_solution_passes(exercise_id):
    report = _check(exercise_id, catalog.load().get(exercise_id).solution)
    assert report.passed, str(report)


@pytest.mark.parametrize("exercise_id", SQL_IDS)
def test_the_starter_fails_cleanly(exercise_id):
    report = _check(exercise_id, catalog.load().get(exercise_id).starter)
    assert not report.passed and report.failed >= 1
    assert {r.status for r in report.results} <= {"passed", "failed"}, str(report)


def _example_rows(markdown: str) -> list[tuple[str, ...]]:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [tuple(c.strip() for c in line.strip("|").split("|")) for line in lines[2:]]


@pytest.mark.parametrize("exercise_id", [i for i in SQL_IDS if i != "index-order-history"])
def test_the_example_rows_are_rows_of_the_model_answer(exercise_id):
    exercise = catalog.load().get(exercise_id)
    shown = {
        tuple("NULL" if v is None else str(v) for v in row)
        for row in sample_db.explore(exercise.solution).rows
    }
    examples = _example_rows(exercise.examples)
    assert examples and set(examples) <= shown


def test_the_index_task_shows_the_query_the_checks_explain():
    task = " ".join(catalog.load().get("index-order-history").task.split())
    assert sql_checks.HISTORY_QUERY.format(customer=28) in task.replace(" ;", ";")


WRONG = [
    (
        "revenue-by-category",
        "SELECT p.category, SUM(i.quantity * p.price_cents) FROM order_items i JOIN orders o"
        " ON o.id = i.order_id JOIN products p ON p.id = i.product_id"
        " WHERE o.status IN ('paid', 'shipped') GROUP BY p.category",
        "today's price",
        "products.price_cents, today's price",
    ),
    (
        "revenue-by-category",
        "SELECT p.category, SUM(i.quantity * i.unit_price_cents) FROM order_items i JOIN orders o"
        " ON o.id = i.order_id JOIN products p ON p.id = i.product_id"
        " WHERE o.status <> 'cancelled' GROUP BY p.category",
        "pending and refunded",
        "pending and refunded orders brought no money in",
    ),
    (
        "top-products-per-category",
        sql_checks._top("ROW_NUMBER"),
        "tie for third",
        "ROW_NUMBER gives every row its own number",
    ),
    (
        "top-products-per-category",
        sql_checks._top("DENSE_RANK"),
        "tie at the top",
        "that is DENSE_RANK",
    ),
    (
        "top-products-per-category",
        "SELECT p.category, p.name, SUM(i.quantity * i.unit_price_cents) AS r, 1"
        " FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p"
        " ON p.id = i.product_id WHERE o.status IN ('paid', 'shipped')"
        " GROUP BY p.id ORDER BY r DESC LIMIT 3",
        "on the shop's data",
        "LIMIT 3 keeps three rows of the whole result",
    ),
    (
        "orders-without-spring-coupon",
        "SELECT id, customer_id, ordered_at, coupon_code FROM orders"
        " WHERE strftime('%Y-%m', ordered_at) = '2024-04' AND coupon_code != 'SPRING10'",
        "another coupon",
        "`coupon_code != 'SPRING10'` is NULL, not true",
    ),
    (
        "orders-without-spring-coupon",
        "SELECT id, customer_id, ordered_at, coupon_code FROM orders"
        " WHERE ordered_at >= '2024-04-01' AND ordered_at < '2024-05-01' AND coupon_code IS NULL",
        "another coupon",
        "An order with another coupon did not use SPRING10 either",
    ),
    (
        "orders-without-spring-coupon",
        "SELECT id, customer_id, ordered_at, coupon_code FROM orders WHERE ordered_at"
        " BETWEEN '2024-04-01' AND '2024-04-30' AND coupon_code IS NOT 'SPRING10'",
        "evening of 30 April",
        "'2024-04-30 18:00:00' sorts after '2024-04-30'",
    ),
    (
        "customers-without-orders",
        "SELECT id, name, email FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",
        "on the shop's data",
        "is never true once that list holds a NULL",
    ),
    (
        "customers-without-orders",
        "SELECT c.id, c.name, c.email FROM customers c LEFT JOIN orders o"
        " ON o.customer_id = c.id GROUP BY c.id HAVING COUNT(*) = 0",
        "on the shop's data",
        "COUNT(*) counts the all-NULL row",
    ),
    (
        "customers-without-orders",
        "SELECT c.id, c.name, c.email FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o"
        " WHERE o.customer_id = c.id AND o.status IN ('paid', 'shipped', 'pending', 'refunded'))",
        "only order was cancelled",
        "still placed an order",
    ),
    (
        "n-plus-one-packing-list",
        "SELECT o.id, o.ordered_at, c.name, c.city FROM orders o JOIN customers c"
        " ON c.id = o.customer_id WHERE o.status = 'paid' ORDER BY o.ordered_at, o.id",
        "on the shop's data",
        "an inner JOIN drops it",
    ),
    (
        "n-plus-one-packing-list",
        "SELECT o.id, o.ordered_at, c.name, c.city FROM orders o LEFT JOIN customers c"
        " ON c.id = o.customer_id WHERE o.status = 'paid'",
        "imported late",
        "the right rows in the wrong order",
    ),
    (
        "repeat-customers",
        "SELECT c.id, c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id"
        " WHERE o.status <> 'cancelled' GROUP BY c.id HAVING COUNT(*) > 5",
        "on the shop's data",
        ">= 5, not > 5",
    ),
    (
        "repeat-customers",
        "SELECT c.id, c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id"
        " GROUP BY c.id HAVING COUNT(*) >= 5",
        "cancelled orders do not count",
        "Your counts include cancelled orders",
    ),
    (
        "repeat-customers",
        "SELECT MIN(c.id), c.name, COUNT(*) FROM customers c JOIN orders o"
        " ON o.customer_id = c.id WHERE o.status <> 'cancelled' GROUP BY c.name"
        " HAVING COUNT(*) >= 5",
        "share a name",
        "group by c.id, not by the name",
    ),
    (
        "monthly-revenue-running-total",
        sql_checks._monthly(window=""),
        "on the shop's data",
        "with OVER () the window is the whole result",
    ),
    (
        "monthly-revenue-running-total",
        sql_checks._monthly(fmt="%m"),
        "January 2025",
        "strftime('%m') is only the month number",
    ),
    (
        "latest-order-per-customer",
        "SELECT customer_id, id, MAX(ordered_at), status FROM orders"
        " WHERE customer_id IS NOT NULL GROUP BY customer_id",
        "tie on the latest time",
        "picks the lower id",
    ),
    (
        "latest-order-per-customer",
        "SELECT o.customer_id, o.id, o.ordered_at, o.status FROM orders o WHERE o.id ="
        " (SELECT MAX(id) FROM orders WHERE customer_id = o.customer_id)",
        "imported late",
        "The highest id is not always the latest order",
    ),
    (
        "latest-order-per-customer",
        "SELECT customer_id, id, ordered_at, status FROM (SELECT *, ROW_NUMBER() OVER"
        " (PARTITION BY customer_id ORDER BY ordered_at DESC, id DESC) AS n FROM orders)"
        " WHERE n = 1",
        "guest checkouts",
        "the guest checkouts form a partition of their own",
    ),
    (
        "referral-counts",
        "SELECT r.id, r.name, COUNT(*), COUNT(o.customer_id) FROM customers r JOIN customers c"
        " ON c.referred_by = r.id LEFT JOIN orders o ON o.customer_id = c.id"
        " AND o.status <> 'cancelled' GROUP BY r.id",
        "many orders counts once",
        "Count DISTINCT customer ids",
    ),
    (
        "referral-counts",
        "SELECT r.id, r.name, COUNT(DISTINCT c.id), COUNT(DISTINCT o.customer_id)"
        " FROM customers r JOIN customers c ON c.referred_by = r.id"
        " JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled' GROUP BY r.id",
        "never bought",
        "an inner JOIN orders drops them",
    ),
    (
        "index-order-history",
        "CREATE INDEX orders_by_time ON orders (ordered_at)",
        "instead of scanning",
        "does not start with customer_id",
    ),
    (
        "index-order-history",
        "CREATE INDEX orders_by_customer ON orders (customer_id)",
        "no separate sort",
        "Add ordered_at as the next column after customer_id",
    ),
    (
        "index-order-history",
        "CREATE INDEX orders_by_status ON orders (status)",
        "instead of scanning",
        "does not use an index on orders",
    ),
    (
        "index-order-history",
        "SELECT 1",
        "create an index on orders",
        "the index goes there",
    ),
    (
        "index-order-history",
        "CREATE INDEX just_one ON orders (customer_id, ordered_at) WHERE customer_id = 28",
        "not only customer 28's",
        "an index limited to one customer",
    ),
]


@pytest.mark.parametrize(
    ("exercise_id", "query", "case_name", "note"),
    WRONG,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)],
)
def test_a_realistic_wrong_query_fails_with_the_message_a_learner_needs(
    exercise_id, query, case_name, note
):
    failures = _failures(_check(exercise_id, query))
    named = [message for name, message in failures.items() if case_name in name]
    assert named, f"no failing case named like {case_name!r}: {failures}"
    assert note in named[0], named[0]


def test_every_exercise_has_two_wrong_queries_tested():
    tested = [w[0] for w in WRONG]
    assert all(tested.count(exercise_id) >= 2 for exercise_id in SQL_IDS)


@pytest.mark.parametrize(
    "index",
    [
        "CREATE INDEX orders_by_customer ON orders (customer_id, ordered_at)",
        "CREATE INDEX orders_history ON orders (customer_id, ordered_at DESC, status)",
    ],
)
def test_a_good_index_passes(index):
    assert _check("index-order-history", index).passed


def test_an_index_that_changes_the_rows_fails():
    failures = _failures(
        _check(
            "index-order-history",
            "CREATE INDEX i ON orders (customer_id, ordered_at); DELETE FROM orders WHERE id = 266",
        )
    )
    assert list(failures) == ["the query's rows are unchanged"]


def test_a_learner_sql_error_is_reported_as_its_one_line():
    report = _check("repeat-customers", "SELECT id, name, COUNT(* FROM customers")
    assert all(r.status == "error" for r in report.results)
    assert report.results[0].message.startswith('SQL error: near "FROM": syntax error')


# ---------------------------------------------------------------- comparing rows


def test_numbers_compare_within_a_tolerance_and_column_names_are_free():
    query = sql_checks.model("revenue-by-category").replace(
        "SUM(i.quantity * i.unit_price_cents) AS revenue_cents",
        "SUM(i.quantity * i.unit_price_cents) * 1.0 AS money",
    )
    assert _check("revenue-by-category", query).passed


def test_a_wrong_number_of_columns_is_named():
    with pytest.raises(Mismatch) as raised:
        sql_checks.compare("repeat-customers", "SELECT id, name FROM customers")
    assert re.search(r"asks for 3 columns \(id, name, order_count\).*returns 2", raised.value.note)
