"""Accessibility audits with axe-core, and the colour arithmetic of WCAG 2.1.

axe-core comes from npm, pinned in tests/axe/package.json and package-lock.json; `npm ci`
there installs it into tests/axe/node_modules (git-ignored). `axe_unavailable_reason()`
runs that install when npm is present and says what is missing when it cannot.

`audit(page)` runs axe's WCAG 2.1 A and AA rules on a JupyterLab page and splits what it
finds into the workbook's own (inside an output, `.jp-OutputArea-output`) and JupyterLab's.
JupyterLab's `<body>` is 0 px tall with `overflow: hidden`, so axe would take every node for
clipped and skip colour contrast: the audit gives `html, body` a height and makes the window
as tall as the notebook first, and reports how many contrast checks passed, so a test can
prove contrast was evaluated before trusting zero violations.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
WORKBOOK_SCOPE = ".jp-OutputArea-output"
BLOCKING = ("serious", "critical")
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
NPM_TIMEOUT_S = 300
MAX_VIEWPORT_HEIGHT = 32_000  # Chromium draws taller windows, but slowly


# ---- colour arithmetic (WCAG 2.1, 1.4.3 and 1.4.11) ----------------------------------------


def parse_color(text: str) -> tuple[float, float, float, float]:
    """`#rgb`, `#rrggbb`, `rgb(…)` or `rgba(…)` as (r, g, b, alpha), channels 0-255."""
    text = text.strip().lower()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        if len(digits) != 6:
            raise ValueError(f"not a colour: {text!r}")
        return (*(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4)), 1.0)  # type: ignore[return-value]
    match = re.fullmatch(r"rgba?\(([^)]*)\)", text)
    if not match:
        raise ValueError(f"not a colour: {text!r}")
    parts = [p.strip() for p in re.split(r"[,\s/]+", match[1]) if p.strip()]
    r, g, b = (float(p) for p in parts[:3])
    alpha = float(parts[3]) if len(parts) > 3 else 1.0
    return r, g, b, alpha


def over(color: str, background: str) -> tuple[float, float, float]:
    """`color` laid over an opaque `background` (alpha compositing), channels 0-255."""
    r, g, b, a = parse_color(color)
    br, bg, bb, _ = parse_color(background)
    return r * a + br * (1 - a), g * a + bg * (1 - a), b * a + bb * (1 - a)


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str, under: str | None = None) -> float:
    """The contrast ratio of `foreground` on `background` (itself over `under` if see-through)."""
    base = under or background
    if under is not None:
        bg = over(background, under)
        background = f"rgb({bg[0]},{bg[1]},{bg[2]})"
    lighter, darker = sorted(
        (luminance(over(foreground, background)), luminance(over(background, base))),
        reverse=True,
    )
    return (lighter + 0.05) / (darker + 0.05)


# ---- getting axe-core --------------------------------------------------------------------


def pinned_version() -> str:
    """The exact axe-core version tests/axe/package.json asks for."""
    manifest = json.loads((AXE_DIR / "package.json").read_text(encoding="utf-8"))
    return str(manifest["devDependencies"]["axe-core"])


def installed_version() -> str | None:
    manifest = AXE_JS.parent / "package.json"
    if not AXE_JS.is_file() or not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version"))


@functools.cache
def axe_unavailable_reason() -> str | None:
    """Say why axe-core cannot be used here, or return None when `AXE_JS` is ready.

    A missing or different axe-core is installed with `npm ci` in tests/axe when npm is
    on the PATH (CI installs Debian's npm for this).
    """
    wanted = pinned_version()
    if installed_version() == wanted:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return (
            f"axe-core {wanted} is not installed in tests/axe/node_modules and there is no npm"
            " to install it (apt-get install npm, then `npm ci --prefix tests/axe`)"
        )
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AXE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`npm ci` in tests/axe failed: {exc}"
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        return f"`npm ci` in tests/axe exited with {done.returncode}: {tail}"
    found = installed_version()
    if found != wanted:
        return f"`npm ci` in tests/axe installed axe-core {found}, not the pinned {wanted}"
    return None


# ---- the audit -----------------------------------------------------------------------------


@dataclass
class Finding:
    """One axe rule that failed, with the nodes that failed it."""

    rule: str
    impact: str
    help: str
    url: str
    nodes: list[dict[str, str]]

    def describe(self, shown: int = 6) -> str:
        lines = [f"{self.rule} ({self.impact}): {self.help} — {len(self.nodes)} node(s)"]
        for node in self.nodes[:shown]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target'][:200]}  {node['html'][:160]}\n      {summary}")
        if len(self.nodes) > shown:
            lines.append(f"    …and {len(self.nodes) - shown} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


@dataclass
class Audit:
    """What axe found on one page in one theme."""

    label: str
    theme: str
    workbook: list[Finding] = field(default_factory=list)
    lab: list[Finding] = field(default_factory=list)
    contrast_passes: int = 0  # color-contrast checks passed inside workbook output
    contrast_passes_all: int = 0
    contrast_incomplete: int = 0  # axe could not decide (e.g. text over an image)
    workbook_nodes: int = 0  # elements inside workbook output that axe looked at
    seconds: float = 0.0

    @property
    def blocking(self) -> list[Finding]:
        """The workbook's serious and critical violations: these fail the test."""
        return [f for f in self.workbook if f.impact in BLOCKING]

    def report(self) -> str:
        head = (
            f"[{self.label} · {self.theme}] workbook: {len(self.blocking)} serious/critical,"
            f" {len(self.workbook) - len(self.blocking)} minor rule(s) failed;"
            f" color-contrast passes in the workbook {self.contrast_passes}"
            f" (page {self.contrast_passes_all}, undecided {self.contrast_incomplete});"
            f" JupyterLab's own: {len(self.lab)} rule(s); {self.seconds:.1f} s"
        )
        parts = [head]
        parts += [f"  WORKBOOK {finding}" for finding in self.workbook]
        parts += [f"  jupyterlab (information) {f.describe(shown=1)}" for f in self.lab]
        return "\n".join(parts)


_TALL_PAGE_CSS = "html, body { height: 100% !important; }"

# How tall the window must be to show the whole current notebook without scrolling. The
# notebook scrolls inside its own box (Lab scrolls it to the cell that ran last): back to
# the top, so that nothing is left above the window, where axe would not see it.
# The notebook's own padding below the last cell grows with the window, so the last cell's
# bottom edge is measured, not the scroll height.
_NOTEBOOK_HEIGHT_JS = """() => {
    const widget = window.jupyterapp.shell.currentWidget;
    const outer = widget.node.querySelector('.jp-WindowedPanel-outer') || widget.content.node;
    outer.scrollTop = 0;
    const cells = widget.content.widgets;
    const last = cells.length ? cells[cells.length - 1].node : outer;
    const below = window.innerHeight - outer.getBoundingClientRect().bottom;
    return Math.ceil(last.getBoundingClientRect().bottom + Math.max(below, 0) + 60);
}"""

_AXE_RUN_JS = """async ([tags, scope]) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        elementRef: true,
    });
    const inside = (node) => !!(node.element && node.element.closest(scope));
    const describe = (node) => ({
        target: JSON.stringify(node.target),
        html: node.html || '',
        summary: node.failureSummary || '',
        impact: node.impact || '',
    });
    const split = (rule) => ({
        rule: rule.id, impact: rule.impact || '', help: rule.help, url: rule.helpUrl,
        workbook: rule.nodes.filter(inside).map(describe),
        lab: rule.nodes.filter((n) => !inside(n)).map(describe),
    });
    const contrast = (list) => list.find((r) => r.id === 'color-contrast');
    const passed = contrast(results.passes);
    const undecided = contrast(results.incomplete);
    const seen = new Set();
    for (const kind of ['passes', 'violations', 'incomplete']) {
        for (const rule of results[kind]) {
            for (const node of rule.nodes) if (inside(node)) seen.add(node.element);
        }
    }
    return {
        violations: results.violations.map(split),
        contrastPasses: passed ? passed.nodes.filter(inside).length : 0,
        contrastPassesAll: passed ? passed.nodes.length : 0,
        contrastIncomplete: undecided ? undecided.nodes.filter(inside).length : 0,
        workbookNodes: seen.size,
    };
}"""


def fit_window_to_notebook(page: Page, width: int = 1280) -> int:
    """Give `html, body` a height and make the window tall enough for the whole notebook."""
    page.add_style_tag(content=_TALL_PAGE_CSS)
    height = (page.viewport_size or {"height": 900})["height"]
    settled = 0
    for _ in range(20):  # outputs still rendering, or a taller window reflowing: wait it out
        wanted = min(MAX_VIEWPORT_HEIGHT, max(900, int(page.evaluate(_NOTEBOOK_HEIGHT_JS))))
        if wanted == height:
            settled += 1
            if settled >= 2:
                break
        else:
            settled = 0
            height = wanted
            page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 150)))")
    return height


def inject_axe(page: Page) -> None:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))


def audit(page: Page, label: str, *, scope: str = WORKBOOK_SCOPE) -> Audit:
    """Run axe's WCAG 2.1 A/AA rules on the whole page; split the workbook's from Lab's."""
    import time

    started = time.monotonic()
    fit_window_to_notebook(page)
    inject_axe(page)
    page.mouse.move(0, 0)  # no hover colours
    raw = page.evaluate(_AXE_RUN_JS, [list(WCAG_TAGS), scope])
    theme = page.evaluate("() => document.body.dataset.jpThemeName || ''")
    result = Audit(
        label=label,
        theme=theme,
        contrast_passes=raw["contrastPasses"],
        contrast_passes_all=raw["contrastPassesAll"],
        contrast_incomplete=raw["contrastIncomplete"],
        workbook_nodes=raw["workbookNodes"],
    )
    for rule in raw["violations"]:
        for where, nodes in (("workbook", rule["workbook"]), ("lab", rule["lab"])):
            if not nodes:
                continue
            impacts = [n["impact"] for n in nodes if n["impact"]] or [rule["impact"]]
            order = ["minor", "moderate", "serious", "critical"]
            impact = max(impacts, key=lambda i: order.index(i) if i in order else -1)
            finding = Finding(rule["rule"], impact, rule["help"], rule["url"], nodes)
            getattr(result, where).append(finding)
    result.seconds = time.monotonic() - started
    return result


_THEME_READY_JS = """([theme, light]) => document.body.dataset.jpThemeName === theme
    && document.body.dataset.jpThemeLight === light"""


def set_theme(page: Page, theme: str, timeout_ms: float = 30_000) -> None:
    """Switch JupyterLab's theme and wait until its style sheet has loaded."""
    if page.evaluate("() => document.body.dataset.jpThemeName") == theme:
        return
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    light = "false" if "Dark" in theme else "true"
    page.wait_for_function(_THEME_READY_JS, arg=[theme, light], timeout=timeout_ms)
    # and its colours apply: the notebook's background is the theme's own
    page.wait_for_function(_BACKGROUND_IS_JS, arg=light == "true", timeout=timeout_ms)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 150)))")


_BACKGROUND_IS_JS = """(light) => {
    const probe = document.createElement('div');
    probe.style.background = 'var(--jp-layout-color0)';
    document.body.appendChild(probe);
    const [r, g, b] = getComputedStyle(probe).backgroundColor.match(/[\\d.]+/g).map(Number);
    probe.remove();
    return light ? r + g + b > 600 : r + g + b < 150;
}"""
