/* What Playwright's animations="disabled" does, for the CDP screenshot: finite
   animations and transitions jump to their end, infinite ones stop (thaw.js resumes them).
   Returns the page's width once they have (as scroll.js measures it). */
() => {
  const held = [];
  for (const a of document.getAnimations()) {
    const end = a.effect ? a.effect.getComputedTiming().endTime : Infinity;
    try {
      if (Number.isFinite(end)) { a.finish(); } else { a.cancel(); held.push(a); }
    } catch (e) { try { a.cancel(); } catch (e2) {} }
  }
  window.__govauditHeld = held;
  const style = document.createElement('style');
  style.id = '__govaudit_caret';
  style.textContent = '*{caret-color:transparent !important}';
  (document.head || document.documentElement).appendChild(style);
  const d = document.documentElement, b = document.body;
  return Math.max(d ? d.scrollWidth : 0, b ? b.scrollWidth : 0);
}
