// Controls that say they make the text larger: 大 / A+ / 放大 / 大字 …, by text, title or label.
() => {
  const enlarge = /^(大|大号|大字|大字版|字号大|字体大|A\+|A＋|\+|放大|放大字体|字体放大|字号放大|增大字号|加大字号|大字号)$/i;
  const hint = /放大|大字|字号\s*[+＋]|增大|加大/;
  const says = (own, label) => enlarge.test(own) || hint.test(label) || (own.length <= 8 && hint.test(own));
  const found = [];
  for (const el of document.querySelectorAll('a, button, span, li, div, em, i, b, input[type="button"], [role="button"]')) {
    const leaf = el.children.length === 0;
    const label = (el.getAttribute("title") || "") + " " + (el.getAttribute("aria-label") || "");
    // the text as written first (cheap), the text as shown only for the few that may say it
    if (!says(leaf ? String(el.textContent || el.value || "").replace(/\s+/g, "") : "", label)) continue;
    if (!gaVisible(el)) continue;
    const own = (leaf ? String(el.innerText || el.value || "") : "").replace(/\s+/g, "");
    if (says(own, label)) found.push({ ...gaItem(el, own || label.trim()), exact: enlarge.test(own) });
  }
  found.sort((a, b) => Number(b.exact) - Number(a.exact));
  return found.slice(0, 5);
}
