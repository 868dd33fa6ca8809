// Links in a block of text told apart from it by colour alone (WCAG 1.4.1), in one pass: the
// semantics of axe-core's rule link-in-text-block (4.12), with its colours as colours.js
// computes them. A link is judged when it has text, shows on screen, is not itself a block
// (nor an inline block) and the text around it in its line of its block (up to the nearest
// block or <br>, links and other widgets left out) is longer than the widgets' text. It passes
// when its colour has 3:1 contrast with the text around it, or its background with the block's
// background, or it looks the same as the text, or it has another cue: an underline or other
// decoration, a border, an outline, a background image, another font, weight, style or size.
// It fails when neither holds; it is a question when a colour is unknown (a background image)
// or a ::before/::after adds content that may be the cue.
({ limit, colour }) => {
  const c = colour || colours();
  const blockLike = ["block", "list-item", "table", "flex", "grid"];
  const widgets = new Set(["button", "checkbox", "gridcell", "link", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "progressbar", "radio", "scrollbar", "searchbox", "slider",
    "spinbutton", "switch", "tab", "textbox", "treeitem"]);
  const display = (el) => c.style(el).display;
  const isBlock = (el) => { const d = display(el); return blockLike.includes(d) || d.startsWith("table-"); };
  const isBoxed = (el) => isBlock(el) || display(el) === "inline-block";
  const parentOf = (node) => node.assignedSlot || node.parentElement
    || (node.parentNode && node.parentNode.host) || null;
  const sanitize = (text) => (text || "").replace(/\r\n/g, "\n").replace(/\u00A0/g, " ")
    .replace(/[\s]{2,}/g, " ").trim();
  const explicitRole = (el) => (el.getAttribute("role") || "").trim().toLowerCase().split(/\s+/)[0];
  const implicitWidget = (el) => {
    switch (el.localName) {
      case "a": case "area": return el.hasAttribute("href");
      case "button": case "textarea": case "option": case "progress": return true;
      case "input": return !["hidden", "color", "date", "datetime-local", "file", "month",
                              "time", "week"].includes(el.type);
      default: return false;
    }
  };
  const isWidget = (el) => {
    const role = explicitRole(el);
    return role ? widgets.has(role) : implicitWidget(el);
  };
  const children = (node) => (node.shadowRoot ? node.shadowRoot.childNodes
    : node.localName === "slot" && node.assignedNodes().length ? node.assignedNodes()
      : node.childNodes);
  // A block's lines, as isInTextBlock reads them: the text outside widgets and the widgets'
  // text of each stretch between blocks and <br>s, and the stretch each link met is in.
  const lines = new Map();
  const linesOf = (block) => {
    let found = lines.get(block);
    if (found) return found;
    found = { parts: [{ text: "", widgets: "" }], at: new Map() };
    const walk = (node) => {
      for (const child of children(node)) {
        let part = found.parts[found.parts.length - 1];
        if (child.nodeType === 3) { part.text += child.nodeValue; continue; }
        if (child.nodeType !== 1) continue;
        found.at.set(child, found.parts.length - 1);
        const blockish = isBlock(child);
        if (blockish || child.localName === "br" || child.localName === "hr") {
          found.parts.push(part = { text: "", widgets: "" });
        }
        const inline = child.style || {};
        if (blockish || inline.display === "none" || inline.overflow === "hidden"
            || !["", null, "none", undefined].includes(inline.float)
            || !["", null, "relative", undefined].includes(inline.position)) continue;
        if (isWidget(child)) { part.widgets += child.textContent; continue; }
        walk(child);
      }
    };
    walk(block);
    lines.set(block, found);
    return found;
  };
  const inTextBlock = (link) => {
    const d = display(link);
    if (isBlock(link) || ["inline-block", "inline-flex", "inline-grid"].includes(d)) return false;
    let block = parentOf(link);
    while (block && block.nodeType === 1 && !isBlock(block)) block = parentOf(block);
    if (!block || block.nodeType !== 1) return false;
    const found = linesOf(block);
    const index = found.at.has(link) ? found.at.get(link) : found.parts.length - 1;
    const part = found.parts[index];
    return sanitize(part.text).length > sanitize(part.widgets).length;
  };
  const rects = new Map();  // the boxes of the overflow: hidden ancestors, shared by their links
  const rect = (el) => {
    let r = rects.get(el);
    if (!r) { r = el.getBoundingClientRect(); rects.set(el, r); }
    return r;
  };
  const overflowHidden = new Map();
  const hiddenBy = (el) => {  // the ancestors with overflow: hidden
    if (!el || el.nodeType !== 1) return [];
    let found = overflowHidden.get(el);
    if (found) return found;
    found = hiddenBy(parentOf(el));
    if (c.style(el).overflow === "hidden") found = [el, ...found];
    overflowHidden.set(el, found);
    return found;
  };
  const clipped = (el) => {
    const s = c.style(el);
    const clip = s.clip.match(/rect\s*\(([0-9]+)px,?\s*([0-9]+)px,?\s*([0-9]+)px,?\s*([0-9]+)px\s*\)/);
    if (clip && ["fixed", "absolute"].includes(s.position)
        && clip[3] - clip[1] <= 0 && clip[2] - clip[4] <= 0) return true;
    const path = s.clipPath.match(/(\w+)\((\d+)/);
    return !!path && ((path[1] === "inset" && parseInt(path[2], 10) >= 50)
                      || (path[1] === "circle" && parseInt(path[2], 10) === 0));
  };
  const clips = new Map();  // element -> clipped, itself or an ancestor
  const clippedUp = (el) => {
    if (!el || el.nodeType !== 1) return false;
    let found = clips.get(el);
    if (found === undefined) { found = clipped(el) || clippedUp(parentOf(el)); clips.set(el, found); }
    return found;
  };
  const onScreen = (link) => {
    if (!link.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    if (clippedUp(link)) return false;
    const s = c.style(link);
    const r = link.getBoundingClientRect();
    const fixed = s.position === "fixed";
    const top = r.top + (fixed ? 0 : window.scrollY), bottom = r.bottom + (fixed ? 0 : window.scrollY);
    const left = r.left + (fixed ? 0 : window.scrollX), right = r.right + (fixed ? 0 : window.scrollX);
    if (!(top === 0 && bottom === 0) && !(left === 0 && right === 0)) {
      if (bottom <= 0 || right <= 0) return false;
    }
    if (fixed) return true;
    return !hiddenBy(parentOf(link)).some((box) => {
      if (s.position === "absolute" && c.style(box).position === "static") return false;
      const b = rect(box);
      return b.width < 2 || b.height < 2 || r.left > b.right || r.right < b.left
        || r.top > b.bottom || r.bottom < b.top;
    });
  };
  const floor = (x) => Math.floor(x * 100) / 100;
  const fonts = (s) => s.fontFamily.split(/[,;]/g)[0].trim().toLowerCase();
  const distinct = (link, block) => {
    const s = c.style(link), p = c.style(block);
    if (s.backgroundImage !== "none") return true;
    for (const edge of ["borderBottom", "borderTop", "outline"]) {
      const col = c.parse(s[edge + "Color"]);
      if (s[edge + "Style"] !== "none" && parseFloat(s[edge + "Width"]) > 0 && !(col && col.a === 0)) return true;
    }
    if (fonts(s) !== fonts(p)) return true;
    for (const prop of ["textDecorationLine", "textDecorationStyle", "fontWeight", "fontStyle", "fontSize"]) {
      if (s[prop] !== p[prop]) return true;
    }
    return s.textDecoration.split(" ").length < 3 && s.textDecoration !== p.textDecoration;
  };
  const pseudo = (link) => ["::before", "::after"].some(
    (which) => getComputedStyle(link, which).content !== "none");
  const failed = [], questions = [];
  const counts = { checked: 0, failed: 0, questions: 0 };
  for (const link of document.querySelectorAll("a[href], [role=link]")) {
    const role = explicitRole(link);
    if (role && role !== "link") continue;
    if (!inTextBlock(link) || !onScreen(link) || !sanitize(link.innerText)) continue;
    counts.checked++;
    let block = parentOf(link);
    while (block && block.nodeType === 1 && !isBoxed(block)) block = parentOf(block);
    if (!block || block.nodeType !== 1) continue;
    // the colour check
    const fg = c.foreground(link), fgBlock = c.foreground(block);
    const text = fg && fgBlock ? floor(c.ratio(fg, fgBlock)) : undefined;
    let byColour, note = "";
    if (text && text >= 3) byColour = true;
    else {
      const g = c.ground(link), gBlock = c.ground(block);
      const back = g.image || gBlock.image ? undefined : floor(c.ratio(g.colour, gBlock.colour));
      if (back && back >= 3) byColour = true;
      else if (!back) note = "background image";
      else if (!text) note = "colour unknown";
      else if (text === 1 && back === 1) byColour = true;
      else {
        byColour = false;
        note = text === 1 ? `background contrast ${back}:1 with the text's`
          : `contrast ${text}:1 with the text around it`;
      }
    }
    if (byColour) continue;
    // the style check
    if (distinct(link, block)) continue;
    let question = note && byColour === undefined ? note : "";
    if (pseudo(link)) question = question || "content before or after the link";
    const item = () => ({ ...gaItem(link, link.outerHTML.slice(0, 200)),
                          note: note || "no cue besides colour", question });
    if (question) {
      if (counts.questions++ < limit) questions.push(item());
    } else if (counts.failed++ < limit) failed.push(item());
  }
  return { counts, failed, questions };
}
