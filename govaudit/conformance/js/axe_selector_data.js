// axe-core's getSelectorData (the counts of each tag, class and attribute over the page, which
// its unique selectors are made from), for the axe-core version accessibility.py checked it
// against: the same walk and the same counts, with each class name's escape and each
// attribute's feature (a function of its name and value) worked out once per distinct one
// instead of once per element, which on a portal page repeats them thousands of times.
// `escape`, `attributesOf`, `kept` and `feature` are axe's own helpers.
(escape, attributesOf, kept, feature) => (tree) => {
  const r = { classes: {}, tags: {}, attributes: {} };
  const classes = new Map(), features = new Map();
  const escaped = (name) => {
    let e = classes.get(name);
    if (e === undefined) { e = escape(name); classes.set(name, e); }
    return e;
  };
  const featureOf = (node, attribute) => {
    if (!kept(attribute)) return "";
    const key = attribute.name + "\u0000" + attribute.value;
    let f = features.get(key);
    if (f === undefined) { f = feature(node, attribute); features.set(key, f); }
    return f;
  };
  let queue = (Array.isArray(tree) ? tree : [tree]).slice();
  const stack = [];
  while (queue.length) {
    const vNode = queue.pop(), node = vNode.actualNode;
    if (node.querySelectorAll) {
      const tag = node.nodeName;
      r.tags[tag] ? r.tags[tag]++ : r.tags[tag] = 1;
      if (node.classList) {
        for (const name of Array.from(node.classList)) {
          const e = escaped(name);
          r.classes[e] ? r.classes[e]++ : r.classes[e] = 1;
        }
      }
      if (node.hasAttributes()) {
        for (const attribute of Array.from(attributesOf(node))) {
          const f = featureOf(node, attribute);
          if (f) r.attributes[f] ? r.attributes[f]++ : r.attributes[f] = 1;
        }
      }
    }
    if (vNode.children.length) { stack.push(queue); queue = vNode.children.slice(); }
    while (!queue.length && stack.length) queue = stack.pop();
  }
  return r;
}
