"""Visible keyboard focus, checked in the browser (issue 12, item 17).

A focused control must show where the focus is: an outline or a ring that stands out 3:1
from what is behind it (WCAG 2.2, 1.4.11 and 2.4.7), on screen and not under something else
(2.4.11). The ring is drawn outside the control (outline-offset), so it is compared with the
nearest opaque background among the control's ancestors."""

# describe(el) and problem(el): why `el`, focused, does not show its focus (null if it does).
_FUNCTIONS = r"""
const describe = el => {
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
  return `${el.tagName.toLowerCase()}${el.name ? '[name=' + el.name + ']' : ''}`
    + (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '')
    + ` "${text.replace(/\s+/g, ' ').slice(0, 40)}"`;
};
const rgba = c => (c.match(/[\d.]+/g) || []).map(Number);
const opaque = c => c.length === 3 || (c.length === 4 && c[3] > 0.9);
const luminance = ([r, g, b]) => {
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const contrast = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const problem = el => {
  if (el === document.body || el === document.documentElement) return 'no focus';
  const s = getComputedStyle(el);
  let behind = [255, 255, 255];
  for (let up = el.parentElement; up; up = up.parentElement) {
    const c = rgba(getComputedStyle(up).backgroundColor);
    if (opaque(c)) { behind = c.slice(0, 3); break; }
  }
  const rings = [];
  if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) {
    rings.push(rgba(s.outlineColor));
  }
  for (const m of s.boxShadow.matchAll(/rgba?\([^)]*\)/g)) rings.push(rgba(m[0]));
  const best = Math.max(0, ...rings.filter(opaque).map(c => contrast(c.slice(0, 3), behind)));
  const box = el.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
        && box.top < innerHeight && box.left < innerWidth)) {
    return `not on screen (${Math.round(box.left)},${Math.round(box.top)})`;
  }
  const hit = document.elementFromPoint(
    Math.min(innerWidth - 1, Math.max(0, box.left + box.width / 2)),
    Math.min(innerHeight - 1, Math.max(0, box.top + box.height / 2)));
  if (hit && hit !== el && !el.contains(hit) && !hit.contains(el)) {
    return `covered by ${hit.tagName.toLowerCase()}.${hit.className}`;
  }
  // 'auto' is the browser's own ring (Chromium: dark inside, white outside), seen on any
  // background; the admin keeps it.
  if (s.outlineStyle !== 'auto' && best < 3) {
    return `focus ring contrast ${best.toFixed(2)} (outline ${s.outline}, `
      + `shadow ${s.boxShadow}, behind rgb(${behind}))`;
  }
  return null;
};
"""

# The focused element: {name, problem}.
FOCUSED_JS = f"""() => {{ {_FUNCTIONS}
  const el = document.activeElement;
  return {{name: describe(el), problem: problem(el)}};
}}"""

# Every control of the page that Tab stops on, focused in turn (after a key press, so that
# the browser shows focus as it does for the keyboard): the problems found, by control.
# Controls that act on a click but that Tab never reaches are problems too.
SWEEP_JS = f"""() => {{ {_FUNCTIONS}
  const found = [];
  const tabbable = [...document.querySelectorAll(
      'a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter(el => el.tabIndex >= 0 && !el.disabled && el.type !== 'hidden'
                  && !el.closest('[hidden], [inert]') && el.getClientRects().length);
  for (const el of tabbable) {{
    el.focus();
    if (document.activeElement !== el) continue;  // e.g. inside a closed <details>
    const p = problem(el);
    if (p) found.push(`${{describe(el)}}: ${{p}}`);
  }}
  for (const el of document.querySelectorAll('[onclick], [hx-get], [hx-post], [data-copy]')) {{
    const trigger = el.getAttribute('hx-trigger') || 'click';
    if (!/click/.test(trigger)) continue;
    if (el.matches('a[href], button, input, select, textarea, form')) continue;
    if (el.tabIndex < 0) found.push(`${{describe(el)}}: acts on a click, Tab never reaches it`);
  }}
  document.activeElement.blur();
  window.scrollTo(0, 0);
  return found.slice(0, 10);
}}"""


class Keyboard:
    """Moves the focus with the keyboard only and checks every stop on the way."""

    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []

    def tab_to(self, selector: str, *, back: bool = False, limit: int = 80) -> None:
        """Tab (or Shift+Tab) until the focused element matches `selector`."""
        key = "Shift+Tab" if back else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            stop = self.page.evaluate(FOCUSED_JS)
            if stop["problem"]:
                path = "/" + self.page.url.split("//", 1)[1].split("/", 1)[1].split("?")[0]
                self.failures.append(f"{path} {stop['name']}: {stop['problem']}")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{self.page.url}: {selector} not reached with {key}")


def focus_problems(page) -> list[str]:
    """Every tabbable control of the page that does not show its focus."""
    page.keyboard.press("Shift")  # the browser shows focus rings after a key press
    return page.evaluate(SWEEP_JS)
