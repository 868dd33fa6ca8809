// The facts of the 适老化 checks in one pass over the page as it is, each part when asked:
// `floating` a look at the floating elements (first, before anything else changes; "earlier":
// the look taken when the page loaded, if there is one: see floating_at_load.js), each look
// with its `age` in ms, `viewport`
// the viewport meta's content (the last one, as browsers read it; null without one), `text`
// the main text's blocks, `nav` the main navigation (its selector or null: found), `controls`
// the font-size controls; `tabs` then starts the Tab record (tabs.js), last, as it moves the
// focus and the scroll position.
(arg) => {
  // How many of the floating elements seen at load may have moved since: changed in style or
  // class (they or an ancestor) or animated; -1 when that cannot be told.
  const stirring = () => {
    const changed = window.__govauditChanged;
    if (!changed || changed.size > 5000) return -1;
    const stirred = (el) => {
      for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
        if (changed.has(n) || n.getAnimations().some((a) => a.playState === "running")) {
          return true;
        }
      }
      return false;
    };
    return (window.__govauditFloating || []).filter((el) => el.isConnected && stirred(el))
      .length;
  };
  const out = {};
  const earlier = window.__govauditLoadLook;
  if (arg.floating === "earlier" && earlier) {
    delete window.__govauditLoadLook;  // a look is compared once: a later check looks anew
    out.floating = { ...earlier.look, age: performance.now() - earlier.at,
                     stirring: stirring() };
  } else if (arg.floating) {
    out.floating = { ...floating({ remember: true }), age: 0 };
  }
  if (arg.viewport) {
    const metas = Array.from(document.querySelectorAll("meta[name]")).filter(
      (m) => m.getAttribute("name").trim().toLowerCase() === "viewport");
    out.viewport = metas.length ? metas[metas.length - 1].getAttribute("content") || "" : null;
  }
  if (arg.text) out.text = main_text({ minChars: arg.minChars, limit: arg.limit });
  if (arg.nav !== undefined) out.nav = nav_links({ selector: arg.nav });
  if (arg.controls) out.controls = font_controls();
  if (arg.tabs) out.tabs = tabs({ action: "start" });
  return out;
}
