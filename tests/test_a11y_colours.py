"""The workbook's colours reach WCAG 2.1 contrast on both JupyterLab themes' backgrounds.

Text (status lines, coach marks) needs 4.5:1 (1.4.3), focus outlines and the check
report's pass/fail bars 3:1 (1.4.11). The backgrounds are the themes' own, read from the
JupyterLab installed here where it can be found. Also: the axe-core pin, and what happens
where axe-core cannot be had (a skip on a laptop, a failure in CI).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import a11y
import pytest

from prep.exercises import report
from prep.widgets import _common
from prep.widgets._common import FOCUS, TONES, Status

LIGHT_BACKGROUNDS = ("#ffffff",)  # --jp-layout-color0 and 1 of JupyterLab Light
DARK_BACKGROUNDS = ("#111111", "#212121")  # --jp-layout-color0 and 1 of JupyterLab Dark
THEMES_DIR = Path(sys.prefix) / "share" / "jupyter" / "lab" / "themes" / "@jupyterlab"


def theme_variable(theme: str, name: str) -> str | None:
    """A variable's value in an installed JupyterLab theme, or None when it is not found."""
    css = THEMES_DIR / f"theme-{theme}-extension" / "index.css"
    if not css.is_file():
        return None
    match = re.search(rf"--{re.escape(name)}:\s*([^;}}]+)", css.read_text(encoding="utf-8"))
    if match is None:
        return None
    value = match[1].strip()
    fallback = re.fullmatch(r"var\([^,]+,\s*(#[0-9a-fA-F]+)\)", value)  # var(--md-grey-900,#212121)
    return fallback[1] if fallback else value


def test_the_contrast_arithmetic_gives_the_figures_the_issue_measured():
    # JupyterLab's own colours, as axe measured them in the issue: the reason for ours
    assert round(a11y.contrast("#388e3c", "#ffffff"), 2) == 4.12  # "Saved", light theme
    assert round(a11y.contrast("#f57c00", "#ffffff"), 2) == 2.70  # warnings, "Weak"
    assert round(a11y.contrast("#6d6d6d", "#eeeeee"), 2) == 4.46  # closed accordion headers
    assert round(a11y.contrast("#a8a8a8", "#424242"), 2) == 4.23
    assert a11y.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert a11y.contrast("rgba(0, 0, 0, 0.5)", "#ffffff") == pytest.approx(
        a11y.contrast("#808080", "#ffffff"), rel=0.02
    )


def test_the_backgrounds_are_jupyterlabs_own():
    dark = theme_variable("dark", "jp-layout-color0")
    light = theme_variable("light", "jp-layout-color0")
    if dark is None or light is None:
        pytest.skip(f"no JupyterLab themes under {THEMES_DIR}")
    assert a11y.parse_color(dark) == a11y.parse_color(DARK_BACKGROUNDS[0])
    assert light in {"white", "#fff", "#ffffff"}
    assert a11y.parse_color(theme_variable("dark", "jp-layout-color1")) == a11y.parse_color(
        DARK_BACKGROUNDS[1]
    )


@pytest.mark.parametrize("kind", sorted(TONES))
def test_status_colours_reach_4_5_to_1_on_their_themes_backgrounds(kind):
    light, dark = TONES[kind]
    for background in LIGHT_BACKGROUNDS:
        assert a11y.contrast(light, background) >= 4.5, (kind, light, background)
    for background in DARK_BACKGROUNDS:
        assert a11y.contrast(dark, background) >= 4.5, (kind, dark, background)
    # one colour for both themes cannot work: each fails on the other theme's background
    assert a11y.contrast(light, DARK_BACKGROUNDS[0]) < 4.5
    assert a11y.contrast(dark, LIGHT_BACKGROUNDS[0]) < 4.5


def test_jupyterlabs_status_colours_would_not_do():
    success = theme_variable("light", "jp-success-color1")
    warn = theme_variable("light", "jp-warn-color1")
    if success is None or warn is None:
        pytest.skip(f"no JupyterLab themes under {THEMES_DIR}")
    assert a11y.contrast(success, "#ffffff") < 4.5 and a11y.contrast(warn, "#ffffff") < 4.5
    assert "jp-success-color1" not in _common.CARD_CSS + Status().value
    assert "jp-warn-color1" not in _common.CARD_CSS


def test_focus_outlines_reach_3_to_1_on_both_themes():
    light, dark = FOCUS
    assert all(a11y.contrast(light, bg) >= 3 for bg in LIGHT_BACKGROUNDS)
    assert all(a11y.contrast(dark, bg) >= 3 for bg in DARK_BACKGROUNDS)
    assert "outline:2px solid var(--prep-focus)" in _common.CARD_CSS
    assert (
        f"--prep-focus:{light}" in _common.CARD_CSS and f"--prep-focus:{dark}" in _common.CARD_CSS
    )


def test_the_check_reports_bars_and_focus_reach_3_to_1_on_both_themes():
    css = report._CSS
    light = re.findall(r"\.prep-report-(?:pass|fail) \{ border-left: 6px solid (#[0-9a-f]{6})", css)
    dark = re.findall(r"\.prep-report-(?:pass|fail) \{ border-left-color: (#[0-9a-f]{6})", css)
    assert len(light) == 2 and len(dark) == 2, css
    assert all(a11y.contrast(c, bg) >= 3 for c in light for bg in LIGHT_BACKGROUNDS)
    assert all(a11y.contrast(c, bg) >= 3 for c in dark for bg in DARK_BACKGROUNDS)


def test_the_dark_theme_rules_use_the_dark_colours():
    css = _common.tone_css()
    for kind, (light, dark) in TONES.items():
        assert f".prep-tone-{kind}{{color:{light}}}" in css
        assert f'body[data-jp-theme-light="false"] .prep-tone-{kind}{{color:{dark}}}' in css


@pytest.mark.parametrize(("kind", "mark"), [("ok", "✓"), ("warn", "⚠"), ("error", "✗")])
def test_a_status_never_rests_on_colour_alone(kind, mark):
    status = Status()
    status.show(kind, "Saved <b>attempt</b> 3")
    assert f"class='prep-tone-{kind}'" in status.value
    assert f'<span aria-hidden="true">{mark} </span>' in status.value  # seen, not read out
    assert "Saved &lt;b&gt;attempt&lt;/b&gt; 3" in status.value  # text, never markup
    assert "<style>" in status.value  # carries its colours for both themes with it
    status.show("info", "Draft restored")
    assert "prep-tone-info" in status.value and "aria-hidden" not in status.value
    status.clear()
    assert "<span" not in status.value  # nothing to read: only the style sheet stays
    assert status.value == f"<style>{_common.CARD_CSS}</style>"


# ---- getting axe-core: a laptop without npm skips, CI fails ----------------------------------


def test_without_axe_or_npm_the_reason_says_how_to_get_them(tmp_path, monkeypatch):
    folder = tmp_path / "axe"
    folder.mkdir()
    (folder / "package.json").write_text(
        '{"devDependencies": {"axe-core": "4.14.1"}}', encoding="utf-8"
    )
    monkeypatch.setattr(a11y, "AXE_DIR", folder)
    monkeypatch.setattr(a11y, "AXE_JS", folder / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    a11y.axe_unavailable_reason.cache_clear()
    try:
        reason = a11y.axe_unavailable_reason()
    finally:
        a11y.axe_unavailable_reason.cache_clear()
    assert reason is not None
    assert "axe-core 4.14.1" in reason and "npm" in reason and "npm ci --prefix tests/axe" in reason


def test_the_pin_is_exact_and_the_lock_agrees():
    import json

    pinned = a11y.pinned_version()
    assert re.fullmatch(r"4\.\d+\.\d+", pinned), pinned  # exact, no ^ or ~
    lock = json.loads((a11y.AXE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/axe-core"]["version"] == pinned
    assert lock["packages"]["node_modules/axe-core"]["integrity"].startswith("sha512-")
    ignored = (a11y.AXE_DIR / ".gitignore").read_text(encoding="utf-8").split()
    assert "node_modules/" in ignored


@pytest.mark.parametrize("required", ["1", ""])
def test_a_missing_axe_skips_on_a_laptop_and_fails_in_ci(monkeypatch, required):
    import test_browser_a11y

    monkeypatch.setattr(a11y, "axe_unavailable_reason", lambda: "no axe here")
    monkeypatch.setattr(test_browser_a11y.lab, "browser_unavailable_reason", lambda: None)
    monkeypatch.setenv("PREP_REQUIRE_BROWSER", required)
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome, match="no axe here"):
        test_browser_a11y.require_tools()
