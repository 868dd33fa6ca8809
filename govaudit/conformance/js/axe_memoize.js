// The memoizer axe-core wraps its helpers in (axe.utils.memoize), for the axe-core version
// accessibility.py checked it against: memoizee's, with the same keys (the first `fn.length`
// arguments, by identity; a function of no arguments keeps its first result), the same error
// on a circular invocation and `clear()` (axe clears every cache after a run), but looking
// the arguments up in Maps instead of arrays searched one by one, which on a page of
// thousands of elements took much of axe's time.
(fn) => {
  const length = fn.length;
  const circular = () => Object.assign(new Error("Circular invocation"),
                                       { code: "CIRCULAR_INVOCATION" });
  let root = new Map(), kept = false, data;
  const memoized = function (...args) {
    if (length === 0) {
      if (kept) return data;
      const result = fn.apply(this, args);
      if (kept) throw circular();
      kept = true;
      data = result;
      return result;
    }
    let map = root;
    for (let i = 0; i < length - 1; i++) {
      let next = map.get(args[i]);
      if (!next) { next = new Map(); map.set(args[i], next); }
      map = next;
    }
    const last = args[length - 1];
    if (map.has(last)) return map.get(last);
    const result = fn.apply(this, args);
    if (map.has(last)) throw circular();
    map.set(last, result);
    return result;
  };
  memoized.clear = () => { root = new Map(); kept = false; data = undefined; };
  return memoized;
}
