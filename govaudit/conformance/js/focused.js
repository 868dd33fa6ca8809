// The element that has the focus now: where it is, whether it is in the main navigation found
// by nav_links.js, and whether its look differs from its unfocused look.
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const now = { outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
                boxShadow: s.boxShadow, backgroundColor: s.backgroundColor, color: s.color,
                textDecoration: s.textDecorationLine, borderColor: s.borderColor };
  const nav = window.__govauditNav;
  const before = window.__govauditNavStyles ? window.__govauditNavStyles.get(el) : undefined;
  const outline = now.outlineStyle !== "none" && parseFloat(now.outlineWidth) > 0;
  const changed = before ? Object.keys(now).filter((k) => now[k] !== before[k]) : [];
  const shadow = now.boxShadow !== "none" && (!before || before.boxShadow !== now.boxShadow);
  return { ...gaItem(el, (el.innerText || el.value || "").trim().slice(0, 20)),
           inNav: !!(nav && nav.contains(el)), outline, shadow,
           changed: changed.filter((k) => !k.startsWith("outline") || outline), known: !!before };
}
