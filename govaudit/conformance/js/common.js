// Shared by the in-page scripts of govaudit.conformance: a CSS selector and a page box
// for an element, as findings record them.
const gaSelector = (el) => {
  if (!(el instanceof Element)) return "";
  const parts = [];
  for (let node = el; node && node.nodeType === 1 && parts.length < 8; node = node.parentElement) {
    if (node.id && document.querySelectorAll("#" + CSS.escape(node.id)).length === 1) {
      parts.unshift("#" + CSS.escape(node.id));
      break;
    }
    let part = node.localName;
    const parent = node.parentElement;
    if (parent) {
      const same = Array.from(parent.children).filter((c) => c.localName === node.localName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
    }
    parts.unshift(part);
    if (node.localName === "body") break;
  }
  return parts.join(" > ");
};
const gaBox = (el) => {
  const r = el.getBoundingClientRect();
  return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
};
const gaVisible = (el) => {
  const style = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return style.visibility !== "hidden" && style.display !== "none" && r.width > 0 && r.height > 0
    && parseFloat(style.opacity || "1") > 0;
};
const gaItem = (el, value) => ({ selector: gaSelector(el), box: gaBox(el), value: String(value ?? "") });
