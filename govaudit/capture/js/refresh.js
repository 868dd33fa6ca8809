/* The content of the page's meta refresh ("0;url=/next"), or null when it has none. */
() => {
  const meta = document.querySelector('meta[http-equiv="refresh" i]');
  return meta ? meta.getAttribute('content') : null;
}
