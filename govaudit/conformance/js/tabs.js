// Where each Tab press leaves the focus, without a call into the page per press: `start`
// makes the next press leave the page (so that the one after starts from its top), scrolls
// to the top and listens for Tab; the keydown of each press notes where the one before left
// the focus (focused.js), and `read` adds where the last one left it: one entry per press
// (null: nothing focused). `stop` ends the listening and gives the
// page back its scroll position, without the focus.
({ action }) => {
  let state = window.__govauditTabs;
  if (action === "start") {
    if (state) window.removeEventListener("keydown", state.listener, true);
    state = { stops: [], x: window.scrollX, y: window.scrollY };
    state.listener = (event) => { if (event.key === "Tab") state.stops.push(focused()); };
    window.__govauditTabs = state;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    // A blur leaves the point Tab starts from where the focus was; a Tab from the last stop
    // of the page leaves the page, and the next one starts from its beginning (positive
    // tabindex first): so the focus goes to a mark put last, the first press moves it out.
    const mark = document.createElement("span");
    mark.tabIndex = 0;
    mark.addEventListener("blur", () => mark.remove(), { once: true });
    document.body.appendChild(mark);
    mark.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    window.addEventListener("keydown", state.listener, true);
    return true;
  }
  if (!state) return null;
  if (action === "read") return state.stops.slice(1).concat([focused()]);
  window.removeEventListener("keydown", state.listener, true);
  delete window.__govauditTabs;
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  window.scrollTo(state.x, state.y);
  return true;
}
