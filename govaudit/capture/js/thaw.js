/* Undoes freeze.js after the screenshot. */
() => {
  for (const a of window.__govauditHeld || []) { try { a.play(); } catch (e) {} }
  delete window.__govauditHeld;
  const style = document.getElementById('__govaudit_caret');
  if (style) style.remove();
}
