"""axe-core in the browser tests: the script comes from the npm registry (`make test` installs
the pinned version into .venv/axe, see the Makefile), the test reads it from disk and evaluates
it in the page. `page.evaluate` runs through the DevTools protocol, which the page's
Content-Security-Policy does not govern: the site's CSP stays on (no bypass) and nothing
inline is added to the page."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("AXE_CORE_JS", ROOT / ".venv/axe/node_modules/axe-core/axe.min.js"))

# WCAG 2.2 A and AA, plus axe's best practices (unique landmarks among them). target-size
# (2.5.8, 24 × 24 px) is named so it runs whatever axe's default for it is.
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the accessibility checks: {AXE_JS} is missing")
        pytest.skip(f"axe-core is not installed at {AXE_JS}: `make test` installs it")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """axe's violations on the page as it is now, one line per rule with the first targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),"
        " summary: v.nodes.length ? v.nodes[0].failureSummary : ''}))",
        RUN_OPTIONS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']} — {v['summary']}" for v in found
    ]


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def sticking_out(page) -> list[str]:
    """The outermost elements whose right edge passes the window's: what to fix."""
    return page.evaluate(
        """() => {
      const out = [];
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 0.5 && !(el.parentElement
            && el.parentElement.getBoundingClientRect().right > window.innerWidth + 0.5)) {
          const cls = typeof el.className === 'string' && el.className
            ? '.' + el.className.split(' ').join('.') : '';
          out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls
            + ' ' + Math.round(r.width) + 'px');
        }
      }
      return out.slice(0, 5);
    }"""
    )


def small_targets(page) -> list[str]:
    """Controls drawn smaller than 24 × 24 CSS px (WCAG 2.2, 2.5.8). axe lets a small target pass
    when nothing else is near it; here every field, box and button is held to the size itself."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              'input:not([type=hidden]), select, textarea, button, summary')]
          .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
          .map(e => [e, e.getBoundingClientRect()])
          .filter(([e, r]) => r.width > 0 && (r.width < 24 || r.height < 24))
          .map(([e, r]) => e.tagName.toLowerCase() + (e.name ? `[name=${e.name}]` : '')
               + (e.type && e.tagName === 'INPUT' ? `[type=${e.type}]` : '')
               + ` ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )


def quiet(page) -> None:
    """After a page.goto (which waits for the load event): the page's fonts are in and no htmx
    request is in flight or swapping. Caravana's pages start no request after their load event
    but htmx's polls (hx-trigger "every"), so this is what Playwright's "networkidle" waited for,
    without its 500 ms of silence after every page (half the time of an audit's visit)."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && document.fonts.status === 'loaded'"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    settle(page)


def settle(page) -> None:
    """Wait two animation frames: resize events and what they change have happened."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
