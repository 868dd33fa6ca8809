/* The user agent and the main document's HTTP status, of a page already open. */
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {ua: navigator.userAgent, status: nav ? (nav.responseStatus || 0) : 0};
}
