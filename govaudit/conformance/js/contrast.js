// Text contrast (WCAG 1.4.3) in one pass: each element with text of its own, its color over the
// background colors of its ancestors composited down to the canvas (white). Text over a
// background image or gradient, with a text shadow, or made transparent, cannot be judged
// this way: it is returned as a question.
({ limit }) => {
  const parse = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const minimum = [], enhanced = [], questions = [];
  const counts = { checked: 0, minimum: 0, enhanced: 0, questions: 0 };
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION"].includes(el.tagName)) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !gaVisible(el)) continue;
    const style = getComputedStyle(el);
    let color = parse(style.color);
    if (!color) continue;
    counts.checked++;
    let question = style.textShadow !== "none" ? "text shadow" : "";
    const layers = [];
    let opacity = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const s = node === el ? style : getComputedStyle(node);
      opacity *= parseFloat(s.opacity || "1");
      if (s.backgroundImage !== "none") { question = question || "background image"; break; }
      const bg = parse(s.backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let background = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) background = over(layers[i], background);
    color = { ...color, a: color.a * opacity };
    if (color.a < 0.1) question = question || "transparent text";
    const fg = over(color, background);
    const l1 = lum(fg), l2 = lum(background);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const item = () => ({ ...gaItem(el, el.outerHTML.slice(0, 200)),
                          ratio: Math.round(ratio * 100) / 100, large, question });
    if (question) {
      if (counts.questions++ < limit) questions.push(item());
    } else if (ratio < (large ? 3 : 4.5)) {
      if (counts.minimum++ < limit) minimum.push(item());
    } else if (ratio < (large ? 4.5 : 7)) {
      if (counts.enhanced++ < limit) enhanced.push(item());
    }
  }
  return { counts, minimum, enhanced, questions };
}
