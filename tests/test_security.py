"""Content is data, never code, and is always shown as text; the launcher stays private (S3, S4).

S1 (spreadsheet export) lives in test_export.py, S2 for answers in test_cards.py and the
browser test, S5 in test_notebooks_clean.py.
"""

from __future__ import annotations

import html
import io
import itertools
import os
import re
import shutil
import subprocess
import tokenize
from pathlib import Path

import ipywidgets as widgets
import pytest
import yaml

import prep
from prep.content.loader import load_content
from prep.errors import ContentError
from prep.widgets._common import save_shortcut_html

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PAYLOAD = "<img src=x onerror=alert(1)><script>window.__pwned=1</script>"


@pytest.fixture
def content_copy(tmp_path, monkeypatch, data_dir):
    """A copy of data/ that `prep.card` reads instead of the real content."""
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("questions.yaml", "tips.yaml", "guides.yaml"):
        shutil.copy(DATA / name, folder / name)
    monkeypatch.setenv("PREP_CONTENT_DIR", str(folder))
    return folder


def edit(folder, name, change):
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def tagged(tag):
    """Return content text carrying the payload, tagged so each field can be found."""
    return f"{tag} {PAYLOAD}"


def poison_question(question):
    qid = question["id"]
    question["title"] = tagged(f"title:{qid}")
    question["prompt"] = tagged(f"prompt:{qid}")
    question["why_asked"][0] = tagged(f"why:{qid}")
    question["talking_points"][0]["text"] = tagged(f"point:{qid}")
    question["pitfalls"][0] = tagged(f"pitfall:{qid}")
    question["example_outline"][0] = tagged(f"outline:{qid}")


def poison_tip(tip):
    tid = tip["id"]
    tip["title"] = tagged(f"title:{tid}")
    tip["summary"] = tagged(f"summary:{tid}")
    tip["points"][0] = tagged(f"tip-point:{tid}")
    for prompt in tip.get("prompts") or []:
        prompt["label"] = tagged(f"label:{tid}/{prompt['id']}")
        prompt["placeholder"] = tagged(f"placeholder:{tid}/{prompt['id']}")
    for item in tip.get("checklist") or []:
        item["label"] = tagged(f"check:{tid}/{item['id']}")


def walk(widget):
    """Yield the widget and everything inside it (boxes, accordions, grids)."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def rendered_html(widget):
    """Every string the browser would insert as HTML: HTML values, HTML descriptions."""
    out = []
    for part in walk(widget):
        if isinstance(part, (widgets.HTML, widgets.HTMLMath)):
            out.append(part.value)
        if getattr(part, "description_allow_html", False):
            out.append(part.description)
    return out


# The workbook's own images, and nothing else, may stand in its HTML: the save shortcut's
# constant script (ipywidgets has no key events) and charts as PNG data with escaped alt text.
OWN_IMAGES = tuple(save_shortcut_html(button) for button in (".prep-save", ".prep-submit"))
CHART_IMAGE = re.compile(
    r"<img class='prep-chart-image' src='data:image/png;base64,[A-Za-z0-9+/=]+' "
    r"alt='[^'<>]*' style='[^'<>]*'>"
)


def assert_no_markup_from_content(widget):
    for value in rendered_html(widget):
        for own in OWN_IMAGES:
            value = value.replace(own, "")
        lowered = CHART_IMAGE.sub("", value).lower()
        assert "<img" not in lowered and "<script" not in lowered, value[:300]


@pytest.fixture
def poisoned(content_copy):
    edit(content_copy, "questions.yaml", lambda d: [poison_question(q) for q in d["questions"]])
    edit(content_copy, "tips.yaml", lambda d: [poison_tip(t) for t in d["tips"]])
    edit(content_copy, "guides.yaml", lambda d: [poison_tip(t) for t in d["guides"]])
    return load_content(content_copy)


def test_question_cards_show_html_in_content_as_text(poisoned):
    """S3: every question field carrying <img onerror>/<script> is escaped, never markup."""
    for question in poisoned.questions:
        card = prep.card(question.id)
        assert "prep-message" not in card._dom_classes, card.message
        assert_no_markup_from_content(card)
        shown = "".join(rendered_html(card))
        for field in ("title", "prompt", "why", "point", "pitfall", "outline"):
            assert html.escape(tagged(f"{field}:{question.id}")) in shown, field


def test_tip_and_guide_cards_show_html_in_content_as_text(poisoned):
    """S3: tip and guide titles, summaries, points and prompt labels are escaped."""
    for tip in (*poisoned.tips, *poisoned.guides):
        card = prep.card(tip.id)
        assert "prep-message" not in card._dom_classes, card.message
        assert_no_markup_from_content(card)
        shown = "".join(rendered_html(card))
        for field in ("title", "summary", "tip-point"):
            assert html.escape(tagged(f"{field}:{tip.id}")) in shown, field
        for prompt in tip.prompts:
            assert html.escape(tagged(f"label:{tip.id}/{prompt.id}")) in shown, prompt.id


def test_progress_table_shows_html_in_titles_as_text(poisoned):
    """S3: the progress table names practised items by their (escaped) titles."""
    question = prep.card("past-role")
    question.answer.value = "an answer"
    question._on_save(None)
    tip = prep.card("research-company")
    tip.fields["company"].value = "Acme"
    tip._on_save(None)
    view = prep.progress()
    assert_no_markup_from_content(view)
    shown = "".join(rendered_html(view))
    assert html.escape(tagged("title:past-role")) in shown
    assert html.escape(tagged("title:research-company")) in shown


def test_error_naming_a_hostile_id_is_shown_as_text(content_copy):
    """S3: a broken file whose bad value is markup: the message card escapes it."""
    edit(content_copy, "questions.yaml", lambda d: d["questions"][1].update(id=PAYLOAD))
    shown = prep.card("past-role")
    assert "prep-message" in shown._dom_classes
    assert_no_markup_from_content(shown)
    assert html.escape(PAYLOAD) in "".join(rendered_html(shown))


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
    ],
    ids=["os.system", "check_call", "Popen"],
)
def test_python_tags_in_a_question_file_never_run(content_copy, tmp_path, tag):
    """S3: a shared question file with a python tag is refused and its command never runs."""
    marker = tmp_path / "pwned"
    text = (content_copy / "questions.yaml").read_text(encoding="utf-8")
    hostile = text.replace(
        'title: "Your role in past projects"', "title: " + tag.format(marker=marker), 1
    )
    assert hostile != text
    (content_copy / "questions.yaml").write_text(hostile, encoding="utf-8")
    with pytest.raises(ContentError, match=r"questions\.yaml"):
        load_content(content_copy)
    shown = prep.card("past-role")
    assert "prep-message" in shown._dom_classes and "questions.yaml" in shown.message
    assert not marker.exists(), "the YAML tag ran a command"


def source_tokens():
    for path in sorted((REPO / "prep").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type in (tokenize.NAME, tokenize.OP)
        ]
        yield path.relative_to(REPO), tokens


# The one deliberate exception: an exercise solution typed as text (the mock interview's
# code box) is the learner's own code, run in the exercise sandbox exactly as a notebook
# cell would run it. Content files are never run: their model solutions are only parsed.
RUNS_LEARNER_CODE = {"prep/exercises/runner.py": {"compile", "exec"}}


def test_prep_never_evaluates_text_as_code():
    """S3: no eval/exec/compile/__import__ calls in prep/, bar the learner's own solutions."""
    found = []
    for path, tokens in source_tokens():
        allowed = RUNS_LEARNER_CODE.get(path.as_posix(), set())
        for before, name, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
            if (
                name.string in {"eval", "exec", "compile", "__import__"} - allowed
                and after.string == "("
                and before.string != "."  # re.compile(...) is fine
            ):
                found.append(f"{path}:{name.start[0]}: {name.string}(")
    assert not found
    assert list(source_tokens()), "prep/ was scanned"


UNSAFE = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all"}
UNSAFE |= {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}


def test_prep_reads_yaml_only_safely_and_never_unpickles():
    """S3: content goes through yaml.safe_load; no unsafe YAML loader, pickle or marshal."""
    found = []
    for path, tokens in source_tokens():
        for module, dot, attr in zip(tokens, tokens[1:], tokens[2:], strict=False):
            if module.string == "yaml" and dot.string == "." and attr.string in UNSAFE:
                found.append(f"{path}:{attr.start[0]}: yaml.{attr.string}")
        for first, second in itertools.pairwise(tokens):
            if first.string in {"import", "from"} and second.string in {"pickle", "marshal"}:
                found.append(f"{path}:{second.start[0]}: {first.string} {second.string}")
    assert not found


# ---- S4: the launcher ------------------------------------------------------------------------


# What each launcher runs: `make lab` JupyterLab, `make app` a Jupyter server serving Voilà.
LAUNCHERS = {"lab": r"jupyter[ -]lab\b", "app": r"jupyter[ -]server\b"}


def lab_command(target="lab"):
    """Return the command `make <target>` would run, from a dry run that starts nothing."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    # make -n still runs recursive $(MAKE) lines; with none, the dry run only prints
    assert "$(MAKE)" not in makefile and "${MAKE}" not in makefile
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},  # no MAKEFLAGS from a parent make
    )
    lines = re.sub(r"\\\n\s*", " ", result.stdout).splitlines()
    (command,) = [line for line in lines if re.search(LAUNCHERS[target], line)]
    return command


INSECURE = [
    r"0\.0\.0\.0",
    r"--(?:\w+\.)?ip=['\"]?\*",
    r"token=(?:''|\"\"|\s|$)",
    r"password=(?:''|\"\"|\s|$)",
    r"NotebookApp\.token",
    r"disable_check_xsrf",
    r"allow_origin=['\"]?\*",
]


@pytest.mark.parametrize("target", sorted(LAUNCHERS))
def test_make_lab_binds_localhost_and_keeps_token_login(target):
    """S4: `make lab` and `make app` listen on 127.0.0.1 only and keep Jupyter's token login."""
    command = lab_command(target)
    assert re.search(r"--(?:ServerApp\.)?ip=127\.0\.0\.1(?:\s|$)", command), command
    binds = re.findall(r"--(?:\w+\.)?ip=(\S+)", command)
    assert binds == ["127.0.0.1"], command
    for pattern in INSECURE:
        assert not re.search(pattern, command), (pattern, command)


def test_app_config_sets_only_voila_options():
    """S4: the file `make app` reads with --config touches Voilà's options only, so the
    address and token login checked on the command line above are the ones in force."""
    text = (REPO / "jupyter_app_config.py").read_text(encoding="utf-8")
    assigned = re.findall(r"^\s*c\.(\w+)\.(\w+)\s*=", text, flags=re.MULTILINE)
    assert assigned, "jupyter_app_config.py sets nothing"
    assert {section for section, _ in assigned} == {"VoilaConfiguration"}, assigned
    assert "c.ServerApp" not in text and "c.IdentityProvider" not in text


def test_documented_launch_commands_keep_token_login():
    """S4: no launch command in the README or environment disables the token or opens up."""
    texts = {name: (REPO / name).read_text(encoding="utf-8") for name in ("README.md", "Makefile")}
    texts["environment.yml"] = (REPO / "environment.yml").read_text(encoding="utf-8")
    for config in REPO.glob("jupyter_*config*"):
        texts[config.name] = config.read_text(encoding="utf-8")
    commands = [
        (name, line)
        for name, text in texts.items()
        for line in text.splitlines()
        if "jupyter" in line.lower()
    ]
    assert any(name == "README.md" for name, _ in commands)
    for name, line in commands:
        for pattern in INSECURE:
            assert not re.search(pattern, line), (name, pattern, line)
