// What the font-size control does, measured in place and then undone. `watch` ends the Tab
// record if one runs (tabs.js), notes the page's state (every change to the document from
// now on, the scroll position, both storages, the cookies), measures the main text
// (main_text.js) and brings the control at `selector` into view: `point` is its middle when
// nothing covers it there. After the click, `measure` measures the text again, then frame
// after frame until it has changed and holds still or `settleMs` have passed; then it undoes
// every change to the document, the storages and the scroll position, and returns the cookies
// as they were and are (the caller restores them: a script cannot see their paths).
// `navigated`: the click left the document.
async ({ action, selector, minChars, limit, settleMs }) => {
  const storages = () => {
    const read = (get) => {
      try {
        const store = get(), out = {};
        for (let i = 0; i < store.length; i++) out[store.key(i)] = store.getItem(store.key(i));
        return out;
      } catch (e) { return null; }
    };
    return { local: read(() => window.localStorage), session: read(() => window.sessionStorage) };
  };
  const cookie = () => { try { return document.cookie; } catch (e) { return null; } };
  if (action === "watch") {
    if (window.__govauditTabs) tabs({ action: "stop" });
    const state = { records: [], x: window.scrollX, y: window.scrollY, cookie: cookie(),
                    storages: storages(), before: main_text({ minChars, limit, first: true }) };
    state.observer = new MutationObserver((list) => { state.records.push(...list); });
    state.observer.observe(document, { subtree: true, childList: true, attributes: true,
      attributeOldValue: true, characterData: true, characterDataOldValue: true });
    window.__govauditFont = state;
    let control = null, point = null;
    try { control = document.querySelector(selector); } catch (e) { /* not a CSS selector */ }
    if (control) {
      control.scrollIntoView({ block: "nearest", inline: "nearest" });
      const r = control.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = r.width > 0 && r.height > 0 ? document.elementFromPoint(x, y) : null;
      if (hit && (hit === control || control.contains(hit))) point = { x, y };
    }
    return { before: state.before, cookie: state.cookie, point };
  }
  const state = window.__govauditFont;
  if (!state) return { navigated: true };
  const median = (values) => {
    const s = values.slice().sort((a, b) => a - b), m = s.length >> 1;
    return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : null;
  };
  const look = (text) => [median(text.blocks.map((b) => b.fontSize)),
                          median(text.blocks.map((b) => b.rendered))].join();
  const frame = () => new Promise((done) => {
    requestAnimationFrame(() => done()); setTimeout(done, 50);
  });
  const started = performance.now(), first = look(state.before);
  let after = main_text({ minChars, limit, first: true }), last = look(after);
  while (performance.now() - started < settleMs) {
    await frame();
    after = main_text({ minChars, limit, first: true });
    const now = look(after);
    if (now !== first && now === last) break;
    last = now;
  }
  const records = state.records.concat(state.observer.takeRecords());
  state.observer.disconnect();
  delete window.__govauditFont;
  for (const r of records.reverse()) {
    try {
      if (r.type === "attributes" && r.attributeNamespace === null) {
        // read first: Blink writes a style set through el.style into the attribute only when
        // it is read, and a removal before that leaves style=""
        r.target.getAttribute(r.attributeName);
        if (r.oldValue === null) r.target.removeAttribute(r.attributeName);
        else r.target.setAttribute(r.attributeName, r.oldValue);
      } else if (r.type === "attributes") {
        r.target.getAttributeNS(r.attributeNamespace, r.attributeName);
        if (r.oldValue === null) r.target.removeAttributeNS(r.attributeNamespace, r.attributeName);
        else r.target.setAttributeNS(r.attributeNamespace, r.attributeName, r.oldValue);
      } else if (r.type === "characterData") {
        r.target.data = r.oldValue;
      } else {
        for (const node of r.addedNodes) if (node.parentNode === r.target) node.remove();
        for (const node of r.removedNodes) {
          const next = r.nextSibling && r.nextSibling.parentNode === r.target ? r.nextSibling : null;
          r.target.insertBefore(node, next);
        }
      }
    } catch (e) { /* a node the page has moved on: leave it */ }
  }
  const now = storages();
  for (const kind of ["local", "session"]) {
    const was = state.storages[kind], is = now[kind];
    if (!was || !is) continue;
    try {
      const store = kind === "local" ? window.localStorage : window.sessionStorage;
      for (const key of Object.keys(is)) if (!(key in was)) store.removeItem(key);
      for (const [key, value] of Object.entries(was)) if (is[key] !== value) store.setItem(key, value);
    } catch (e) { /* storage refused: nothing to give back */ }
  }
  window.scrollTo(state.x, state.y);
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  return { after, undone: records.length, cookie: state.cookie, cookieNow: cookie() };
}
