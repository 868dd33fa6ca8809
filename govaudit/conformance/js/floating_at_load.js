// Run with every page of a context prepared for the checks (page_checks.prepare_context): the
// first look at the floating elements (floating.js), taken once the page has loaded and its
// load handlers have run, so that a check coming after the capture need not wait for movement.
// From then on it notes every element whose style or class changes: a floating element that
// neither changed so, nor has an ancestor that did, nor runs an animation, has not moved, and
// the check need not wait to see it move (facts.js: `stirring`).
() => {
  if (window.top !== window) return;
  window.addEventListener("load", () => setTimeout(() => {
    window.__govauditLoadLook = { look: floating({ remember: true }), at: performance.now() };
    const changed = new Set();
    window.__govauditChanged = changed;
    new MutationObserver((records) => {
      if (changed.size > 5000) return;  // too many to tell: facts.js then says "maybe"
      for (const r of records) changed.add(r.target);
    }).observe(document.documentElement,
               { attributes: true, attributeFilter: ["style", "class"], subtree: true });
  }, 0), { once: true });
}
