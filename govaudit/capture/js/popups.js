/* Runs in every frame before the page's scripts: window.open opens nothing and returns
   null (as a popup blocker does); govaudit is told what the page tried to open. */
(() => {
  const binding = window.__govauditPopup;
  const open = function (url) {
    try { binding(url === undefined || url === null ? '' : String(url)); } catch (e) {}
    return null;
  };
  try {
    Object.defineProperty(window, 'open', {value: open, writable: false, configurable: false});
  } catch (e) {
    window.open = open;
  }
})();
