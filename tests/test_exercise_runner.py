"""The sandbox a check runs in: a learner's mistake never harms the kernel or hides their line."""

from __future__ import annotations

import os
import time

import pytest

from prep.exercises import runner, sandbox
from prep.exercises.harness import Case, Mismatch, expect
from prep.exercises.report import CheckReport
from prep.models import Exercise

DOUBLE = Exercise(
    id="double",
    title="Double it",
    kind="python",
    topic="caching",
    level="junior",
    minutes=5,
    task="Return twice the number.",
    interface="def double(x): ...",
    examples=">>> double(2)\n4",
    starter="def double(x):\n    pass\n",
    hints=("Multiply.",),
    solution="def double(x):\n    return x * 2\n",
    explanation="It multiplies.",
    name="double",
)


def _case(name, call, expected, note=""):
    return Case("double", name, lambda f: expect(f"double({call})", f(call), expected, note=note))


CASES = (
    _case("doubles two", 2, 4),
    _case("doubles zero", 0, 0, note="zero doubled is zero"),
    _case("doubles a negative", -3, -6),
)


def check(solution, cases=CASES) -> CheckReport:
    return runner.check(DOUBLE, solution, cases=cases)


@pytest.fixture(params=["fork", "thread"])
def each_sandbox(request, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, request.param)
    return request.param


def good(x):
    return x * 2


def off_by_two(x):
    # adds instead of multiplying: right for 2 only
    return x + 2


def test_a_right_solution_passes_every_case(each_sandbox):
    report = check(good)
    assert (report.passed, report.total, report.failed, report.tests_passed) == (True, 3, 0, 3)
    assert "all 3 tests passed" in str(report)


def test_a_wrong_solution_says_what_was_expected_and_what_came_back(each_sandbox):
    report = check(off_by_two)
    assert (report.passed, report.failed) == (False, 2)
    zero = report.results[1]
    assert not zero.ok
    assert zero.message == "double(0): expected 0, got 2. zero doubled is zero."
    assert "✗ doubles zero" in str(report) and "✓ doubles two" in str(report)


def endless(x):
    while True:
        x += 1


def test_an_endless_loop_is_stopped_and_the_next_check_works(each_sandbox):
    start = time.monotonic()
    report = check(endless)
    took = time.monotonic() - start
    assert took < sandbox.CASE_SECONDS + 2
    assert report.results[0].status == "timeout"
    assert f"stopped after {sandbox.CASE_SECONDS:g} s" in report.results[0].message
    assert [r.status for r in report.results[1:]] == ["not-run", "not-run"]
    assert check(good).passed  # the same process checks again at once


def looks_up(x):
    table = {2: 4}
    return table[x]  # fails for 0


def test_an_exception_shows_the_learners_own_line_not_the_checker(each_sandbox):
    report = check(looks_up)
    failed = report.results[1]
    assert failed.status == "error"
    assert "KeyError: 0" in failed.message
    assert "return table[x]  # fails for 0" in failed.message
    assert "sandbox.py" not in failed.message and "harness.py" not in failed.message


def chatty(x):
    print("line\n" * 100_000)
    return x * 2


def test_huge_output_is_capped(each_sandbox):
    report = check(chatty)
    assert report.passed
    printed = report.results[0].outcome.output
    assert len(printed) < sandbox.OUTPUT_CHARS + 200
    assert "more characters of printed output, not shown" in printed


def hungry(x):
    hoard = bytearray(4 * 1024**3)  # 4 GB
    return len(hoard) and x * 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the memory cap needs fork (Linux, macOS)")
def test_huge_memory_is_refused_and_the_kernel_lives_on(monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "fork")
    report = check(hungry)
    assert report.results[0].status in ("memory", "crashed")
    assert "MB of memory" in report.results[0].message
    assert check(good).passed


def quits(x):
    raise SystemExit("bye")


def test_sys_exit_in_learner_code_is_an_error_not_a_dead_kernel(each_sandbox):
    report = check(quits)
    assert report.results[0].status == "error" and "SystemExit: bye" in report.results[0].message
    assert check(good).passed


def test_source_text_is_checked_and_a_syntax_error_is_one_plain_line(each_sandbox):
    assert check("def double(x):\n    return 2 * x\n").passed
    broken = check("def double(x)\n    return 2 * x\n")
    assert not broken.passed and broken.problem.startswith("your code is not valid Python: line 1")
    missing = check("def triple(x):\n    return 3 * x\n")
    assert missing.problem == "your code does not define double"
    assert all(r.status == "not-run" for r in missing.results)


def test_an_error_in_source_text_points_at_its_line(each_sandbox):
    report = check("def double(x):\n    return {}[x]\n")
    assert "at line 2 (`return {}[x]`)" in report.results[0].message


@pytest.mark.parametrize(
    ("solution", "says"),
    [
        (None, 'pass your function: prep.check("double", double)'),
        (5, "pass the function itself, double"),
        (DOUBLE, "pass the function itself, double"),
    ],
)
def test_passing_the_wrong_thing_is_explained(solution, says):
    report = check(solution)
    assert says in report.problem and not report.passed


def test_a_check_that_cannot_use_the_result_says_so():
    # a case as the checks modules write it: its code lives inside the prep package
    inside = os.path.join(os.path.dirname(sandbox.__file__), "python_checks.py")
    namespace = {"expect": expect}
    exec(compile("def run(f):\n    expect('len', len(f(1)), 1)\n", inside, "exec"), namespace)
    cases = (Case("double", "returns a list", namespace["run"]),)
    report = check(good, cases)
    assert report.results[0].status == "check-error"
    assert "the check could not use what your code returned" in report.results[0].message


def test_a_mismatch_without_values_still_reads_plainly():
    def fails(f):
        raise Mismatch("the cache evicts the least recently used key", note="it kept 'a'")

    report = check(good, (Case("double", "evicts", fails),))
    assert report.results[0].message == (
        "the cache evicts the least recently used key. it kept 'a'."
    )


def test_the_report_shows_as_html_with_marks_and_words():
    page = check(off_by_two)._repr_html_()
    assert "Check report: Double it" in page
    assert "Passed:</span> doubles two" in page and "Failed:</span> doubles zero" in page
    assert "expected 0, got 2" in page


def test_the_saved_source_is_the_cell_as_written():
    source = runner.solution_source(off_by_two)
    assert "# adds instead of multiplying" in source
    assert runner.solution_source("SELECT 1 -- note") == "SELECT 1 -- note"


def test_a_notebook_cell_is_saved_whole(tmp_path):
    import linecache

    cell = "# my LRU attempt\nimport math\n\nclass Box:\n    def get(self):\n        return 1\n"
    name = str(tmp_path / "ipykernel_1" / "123.py")  # as IPython names a cell: no such file
    linecache.cache[name] = (len(cell), None, cell.splitlines(keepends=True), name)
    namespace: dict = {}
    exec(compile(cell, name, "exec"), namespace)
    assert runner.solution_source(namespace["Box"]) == cell


def test_an_error_every_test_hits_is_spelled_out_once():
    report = check("def double(x):\n    raise ValueError('not yet')\n")
    text = str(report)
    assert text.count("ValueError: not yet") == 1
    assert text.count("the same error as the test above") == 2
    assert report.failed == 3  # each test still counts
