/* The element's box in page coordinates (CSS pixels), rounded to whole pixels. */
(element) => {
  const r = element.getBoundingClientRect();
  return {x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY),
          width: Math.round(r.width), height: Math.round(r.height)};
}
