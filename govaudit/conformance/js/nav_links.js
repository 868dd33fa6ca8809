// The main navigation: the <nav>, role=navigation or nav/menu-named block with the most
// visible links in the upper part of the page; its links with their unfocused style.
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
  return { nav: gaItem(nav, ""), links: items.map((el) => gaItem(el, (el.innerText || "").trim().slice(0, 20))) };
}
