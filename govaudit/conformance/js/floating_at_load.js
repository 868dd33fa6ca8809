// Run with every page of a context prepared for the checks (page_checks.prepare_context): the
// first look at the floating elements (floating.js), taken once the page has loaded and its
// load handlers have run, so that a check coming after the capture need not wait for movement.
() => {
  if (window.top !== window) return;
  window.addEventListener("load", () => setTimeout(() => {
    window.__govauditLoadLook = { look: floating({ remember: true }), at: performance.now() };
  }, 0), { once: true });
}
