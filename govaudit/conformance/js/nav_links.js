// The main navigation: the <nav>, role=navigation or nav/menu-named block with the most
// visible links in the upper part of the page; its links with their unfocused style, and how
// many Tab presses should reach it from the top (null: none of its elements takes the focus).
({ selector }) => {
  const style = (el) => {
    const s = getComputedStyle(el);
    return { outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
             boxShadow: s.boxShadow, backgroundColor: s.backgroundColor, color: s.color,
             textDecoration: s.textDecorationLine, borderColor: s.borderColor };
  };
  let nav = selector ? document.querySelector(selector) : null;
  if (!nav) {
    const candidates = document.querySelectorAll(
      'nav, [role="navigation"], [id*="nav" i], [class*="nav" i], [id*="menu" i], ' +
      '[class*="menu" i], [id*="daohang" i], [class*="daohang" i]');
    let best = null, bestCount = 0;
    const limit = Math.max(window.innerHeight, document.documentElement.scrollHeight * 0.4);
    for (const el of candidates) {
      const r = el.getBoundingClientRect();
      if (r.top + window.scrollY > limit) continue;
      const count = Array.from(el.querySelectorAll("a, [onclick], [role='menuitem']")).filter(gaVisible).length;
      if (count >= 3 && count > bestCount) { best = el; bestCount = count; }
    }
    nav = best;
  }
  if (!nav) return null;
  window.__govauditNav = nav;
  const items = Array.from(nav.querySelectorAll("a, [onclick], [role='menuitem'], button"))
    .filter(gaVisible).slice(0, 40);
  window.__govauditNavStyles = new Map(items.map((el) => [el, style(el)]));
  // The sequential focus order, roughly: positive tabindex first, then document order. Only
  // a guess of how many presses to send at once; the presses themselves decide.
  const shown = (el) => (el.checkVisibility ? el.checkVisibility({ visibilityProperty: true })
                                           : el.getClientRects().length > 0);
  const order = Array.from(document.querySelectorAll(
    'a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], ' +
    '[contenteditable]')).filter((el) => el.tabIndex >= 0 && !el.disabled &&
      !(el.localName === "input" && el.type === "hidden") && shown(el));
  const first = order.filter((el) => el.tabIndex > 0).sort((a, b) => a.tabIndex - b.tabIndex)
    .concat(order.filter((el) => el.tabIndex === 0)).findIndex((el) => nav.contains(el));
  return { nav: gaItem(nav, ""), tabsToNav: first < 0 ? null : first + 1,
           links: items.map((el) => gaItem(el, (el.innerText || "").trim().slice(0, 20))) };
}
