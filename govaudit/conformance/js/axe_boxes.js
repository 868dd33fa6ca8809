// Boxes of the elements axe-core named: {rule id: [box or null, …]} for the first `limit`
// nodes of each result (targets inside frames or shadow roots get null).
({ results, limit }) => {
  const out = {};
  for (const result of results) {
    out[result.id] = result.nodes.slice(0, limit).map((node) => {
      const target = node.target;
      if (target.length !== 1 || typeof target[0] !== "string") return null;
      let el = null;
      try { el = document.querySelector(target[0]); } catch (e) { return null; }
      return el ? gaBox(el) : null;
    });
  }
  return out;
}
