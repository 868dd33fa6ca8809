/* Scrolls through the page (bounded by height and time) so that lazy images and
   scroll-triggered content load, waits briefly for pending images, goes back to
   where the page was, and returns the page's size. */
async ({maxHeight, budgetMs, imageWaitMs, scroll}) => {
  const t0 = performance.now();
  const size = () => {
    const d = document.documentElement, b = document.body;
    return {height: Math.max(d ? d.scrollHeight : 0, b ? b.scrollHeight : 0),
            width: Math.max(d ? d.scrollWidth : 0, b ? b.scrollWidth : 0),
            x: window.scrollX, y: window.scrollY, dpr: window.devicePixelRatio || 1,
            innerWidth: window.innerWidth, innerHeight: window.innerHeight};
  };
  const frame = () => new Promise(r => {
    let done = false; const go = () => { if (!done) { done = true; r(); } };
    requestAnimationFrame(() => requestAnimationFrame(go)); setTimeout(go, 100);
  });
  for (const el of document.querySelectorAll('img[loading=lazy], iframe[loading=lazy]')) {
    el.loading = 'eager';
  }
  // Scroll only where content can depend on it: a script watching scrolling or
  // intersections (see watch.js), lazy-loading markers, or a page not opened by us.
  const watch = window.__govauditScroll;
  const needed = !watch || watch.seen || !!(window.onscroll || document.onscroll ||
    (document.body && document.body.onscroll)) || !!document.querySelector(
    '[data-src],[data-original],[data-lazy],[data-lazy-src],[data-srcset],[data-bg],' +
    '[class*=lazy]');
  const startX = window.scrollX, startY = window.scrollY;
  if (scroll && needed) {
    const step = Math.max(200, window.innerHeight || 768);
    let y = 0;
    while (performance.now() - t0 < budgetMs) {
      const h = Math.min(size().height, maxHeight);
      if (y + step >= h) break;
      y += step;
      window.scrollTo(0, y);
      await frame();
    }
    window.scrollTo(startX, startY);
  }
  const pending = [...document.images].filter(i => !i.complete);
  if (pending.length) {
    await Promise.race([
      Promise.all(pending.map(i => new Promise(r => {
        i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true});
      }))),
      new Promise(r => setTimeout(r, imageWaitMs)),
    ]);
  }
  return size();
}
