// Blocks of main text with their line spacing and size: the elements inside the page's main
// region holding at least `minChars` characters of their own text; the first `limit` of them,
// and the characters of all (`first`: only the first `limit`, and theirs).
({ minChars, limit, first }) => {
  const root = document.querySelector(
    'main, [role="main"], article, #zoom, .TRS_Editor, #content, .content, #main, .main, ' +
    '.article, .article-content, #article') || document.body;
  const probes = new Map();
  const normalHeight = (style) => {
    const key = [style.fontFamily, style.fontSize, style.fontWeight, style.fontStyle].join("|");
    if (!probes.has(key)) {
      const probe = document.createElement("div");
      probe.style.cssText = "position:absolute;left:-9999px;top:0;visibility:hidden;" +
        "line-height:normal;white-space:nowrap;margin:0;padding:0;border:0";
      for (const p of ["fontFamily", "fontSize", "fontWeight", "fontStyle"]) probe.style[p] = style[p];
      probe.innerHTML = "测试<br>测试<br>测试";
      document.body.appendChild(probe);
      probes.set(key, probe.getBoundingClientRect().height / 3);
      probe.remove();
    }
    return probes.get(key);
  };
  const texts = gaOwnText(root);
  const blocks = [];
  let measured = 0;
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const own = texts.get(el);
    if (!own || own.length < minChars) continue;  // whitespace only shortens it
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
    const text = own.replace(/\s+/g, "");
    if (text.length < minChars || !gaVisible(el)) continue;
    const style = getComputedStyle(el);
    const fontSize = parseFloat(style.fontSize);
    const lineHeight = style.lineHeight === "normal" ? normalHeight(style) : parseFloat(style.lineHeight);
    const textNode = Array.from(el.childNodes).find((n) => n.nodeType === 3 && n.textContent.trim());
    let rendered = fontSize;
    if (textNode) {
      const range = document.createRange();
      const start = textNode.textContent.search(/\S/);
      range.setStart(textNode, start);
      range.setEnd(textNode, start + 1);
      rendered = range.getBoundingClientRect().height;
    }
    measured += text.length;
    if (blocks.length < limit) {
      blocks.push({ ...gaItem(el, text.slice(0, 40)), chars: text.length, fontSize,
                    lineHeight, normal: style.lineHeight === "normal", rendered });
    } else if (first) break;
  }
  return { root: gaSelector(root), blocks, measured };
}
