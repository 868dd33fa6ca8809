// Text contrast (WCAG 1.4.3) in one pass: each element with text of its own, its color over the
// background colors of its ancestors composited down to the canvas (white) (colours.js).
// Text over a background image or gradient, with a text shadow, or made transparent, cannot be
// judged this way: it is returned as a question.
({ limit, colour }) => {
  const c = colour || colours();
  const minimum = [], enhanced = [], questions = [];
  const counts = { checked: 0, minimum: 0, enhanced: 0, questions: 0 };
  const texts = gaOwnText(document.body);
  for (const el of document.body.querySelectorAll("*")) {
    const own = texts.get(el);
    if (!own || !own.trim()) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION"].includes(el.tagName)) continue;
    const style = c.style(el);  // gaVisible's test, on the style read once
    if (style.visibility === "hidden" || style.display === "none"
        || !(parseFloat(style.opacity || "1") > 0)) continue;
    const box = el.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) continue;
    let color = c.parse(style.color);
    if (!color) continue;
    counts.checked++;
    const ground = c.ground(el);
    let question = style.textShadow !== "none" ? "text shadow"
      : ground.image ? "background image" : "";
    color = { ...color, a: color.a * ground.opacity };
    if (color.a < 0.1) question = question || "transparent text";
    const ratio = c.ratio(c.over(color, ground.colour), ground.colour);
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
