// Fixed, sticky and raised elements that stand over the page, with their boxes in the viewport
// and their place against what they are positioned by (the viewport when fixed, their offset
// parent otherwise, so that the page's own layout moving them along does not count), and
// whether a finite animation or transition was moving them or an ancestor; `remember` keeps
// them on the window so that a later call can tell which ones moved.
({ remember }) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const known = window.__govauditFloating || [];
  if (remember) window.__govauditFloating = known;
  const finite = (node) => node.getAnimations().some((a) => a.playState === "running" &&
    Number.isFinite(a.effect ? a.effect.getComputedTiming().endTime : Infinity));
  const out = [];
  const taken = [];
  const dialogs = new Set(document.querySelectorAll(
    'dialog[open], [role="dialog"], [role="alertdialog"], [aria-modal="true"]'));
  for (const el of document.querySelectorAll("body *")) {
    const s = getComputedStyle(el);
    const position = s.position;  // read first: most elements are static, and that decides
    const dialog = dialogs.has(el);
    if (!(position === "fixed" || position === "sticky" || dialog
          || (position === "absolute" && parseInt(s.zIndex, 10) >= 10))) continue;
    if (!gaVisible(el) || taken.some((t) => t.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) continue;
    taken.push(el);
    if (remember && !known.includes(el)) known.push(el);
    let anchor = { left: 0, top: 0 };
    if (s.position !== "fixed") {
      anchor = el.offsetParent ? el.offsetParent.getBoundingClientRect()
                               : { left: -window.scrollX, top: -window.scrollY };
    }
    let animating = false;
    for (let node = el; node && node.nodeType === 1 && !animating; node = node.parentElement) {
      animating = finite(node);
    }
    const text = (el.innerText || el.getAttribute("alt") || "").replace(/\s+/g, " ").trim();
    out.push({ ...gaItem(el, text.slice(0, 60)), id: known.indexOf(el), position: s.position,
               dialog, viewport: { x: r.left, y: r.top, width: r.width, height: r.height },
               place: { x: r.left - anchor.left, y: r.top - anchor.top }, animating,
               share: (Math.min(r.width, vw) * Math.min(r.height, vh)) / (vw * vh),
               fullWidth: r.width >= 0.9 * vw, atEdge: r.top <= 1 || r.bottom >= vh - 1 });
  }
  return { width: vw, height: vh, scrollY: window.scrollY, items: out };
}
