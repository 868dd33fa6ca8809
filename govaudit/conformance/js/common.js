// Shared by the in-page scripts of govaudit.conformance: a CSS selector and a page box
// for an element, as findings record them; the text of its own of each element.
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
// Each element under `root` (itself included) with text nodes of its own -> their text, in one
// walk over the text nodes (not one array of child nodes per element).
const gaOwnText = (root) => {
  const texts = new Map();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentNode;
    texts.set(parent, (texts.get(parent) || "") + node.data);
  }
  return texts;
};
