// axe-core, once loaded, configured once for the accessibility check: no element HTML in its
// results (axe would serialise every element each rule looks at; axe_run.js reads the few it
// reports), and, for the axe-core version this was written against (`shortcuts`), rules made
// to ask their cheap question first. Each of these rules keeps an element when all of two
// tests hold, and runs the costly one first over every element of the page; putting the
// other first leaves what the rule keeps as it was:
// - link-in-text-block: "visible on screen" (a cold cache, most of axe's time on a portal
//   page), then "in a block of text";
// - the ARIA attribute rules and autocomplete-valid: "visible to screen readers" (a cache
//   looked up by a linear search, element by element), then "has an aria-* (autocomplete)
//   attribute".
// And link-name leaves out the links it would pass without a doubt, the most of a portal's
// links: an HTML link with neither a role nor an aria-* attribute has the role link, its name
// from its content, and a text of its own that is not blank makes that name non-empty (both of
// the rule's tests pass), while the rule works out each link's whole accessible name;
// nested-interactive leaves out, before working out their role, the HTML elements without a
// role attribute whose tag can only have a role that keeps its children (its matches keep an
// element whose role makes its children presentational: button, checkbox, img, option...).
(axe, shortcuts) => {
  const html = "http://www.w3.org/1999/xhtml";
  axe.configure({ noHtml: true });
  if (!shortcuts) return;
  const rules = new Map(axe._audit.rules.map((rule) => [rule.id, rule]));
  const dom = axe.commons && axe.commons.dom;
  const inTextBlock = dom && dom.isInTextBlock;
  const link = rules.get("link-in-text-block");
  if (link && typeof link.matches === "function" && typeof inTextBlock === "function") {
    const matches = link.matches;
    link.matches = function (node, ...rest) {
      let inBlock = true;
      try { inBlock = inTextBlock(node); } catch (e) { /* the rule's own test decides */ }
      return inBlock && matches.call(this, node, ...rest);
    };
  }
  const linkName = rules.get("link-name");
  if (linkName && linkName.selector === "a[href]" && typeof linkName.matches === "function") {
    const matches = linkName.matches;
    const named = (node) => {
      if (node.namespaceURI !== html || node.hasAttribute("role")) {
        return false;
      }
      for (const attribute of node.attributes) if (attribute.name.startsWith("aria-")) return false;
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3 && /\S/.test(child.data)) return true;
      }
      return false;
    };
    linkName.matches = function (node, ...rest) {
      return !named(node) && matches.call(this, node, ...rest);
    };
  }
  const nested = rules.get("nested-interactive");
  if (nested && typeof nested.matches === "function") {
    const matches = nested.matches;
    const plain = new Set(["a", "article", "aside", "b", "blockquote", "body", "br", "caption",
      "center", "cite", "code", "dd", "div", "dl", "dt", "em", "figcaption", "figure", "font",
      "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "i", "label", "li", "main",
      "nav", "ol", "p", "pre", "s", "section", "small", "span", "strong", "sub", "sup", "table",
      "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"]);
    nested.matches = function (node, ...rest) {
      if (node.namespaceURI === html && plain.has(node.localName) && !node.hasAttribute("role")) {
        return false;
      }
      return matches.call(this, node, ...rest);
    };
  }
  const visible = dom && dom.isVisibleToScreenReaders;
  if (typeof visible !== "function") return;
  for (const id of ["aria-allowed-attr", "aria-conditional-attr", "aria-prohibited-attr",
                    "aria-valid-attr", "aria-valid-attr-value", "autocomplete-valid"]) {
    const rule = rules.get(id);
    if (!rule || rule.selector !== "*" || !rule.excludeHidden
        || typeof rule.matches !== "function") continue;
    const matches = rule.matches;
    rule.excludeHidden = false;
    rule.matches = function (node, vNode, ...rest) {
      let kept;
      try { kept = matches.call(this, node, vNode, ...rest); } catch (e) {
        if (!visible(vNode)) return false;  // never asked of hidden elements before
        throw e;
      }
      return kept && visible(vNode);
    };
  }
}
