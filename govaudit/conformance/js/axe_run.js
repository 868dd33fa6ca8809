// axe-core (loaded by accessibility.py as window.__govauditAxe) run over the document with
// `options` (elementRef on), its violations and questions cut to `limit` elements each, every
// element with its box and the first `html` characters of its HTML (axe keeps none: see
// axe_setup.js); in the same call, with `contrast` the one-pass text contrast (contrast.js) and
// with `links` the one-pass links told apart by colour alone (links.js), which share the
// colours they compute (colours.js). Null when axe-core is not in the page.
async ({ options, limit, html, contrast: withContrast, links: withLinks }) => {
  const axe = window.__govauditAxe;
  if (!axe) return null;
  const raw = await axe.run(document, options);
  const keep = (results) => results.map((r) => ({
    id: r.id, impact: r.impact, help: r.help, helpUrl: r.helpUrl, tags: r.tags,
    count: r.nodes.length,
    nodes: r.nodes.slice(0, limit).map((n) => ({
      target: n.target,
      html: n.element instanceof Element ? n.element.outerHTML.slice(0, html) : "",
      failureSummary: n.failureSummary || "",
      box: n.element instanceof Element ? gaBox(n.element) : null,
    })),
  }));
  const colour = colours();
  return { testEngine: raw.testEngine, violations: keep(raw.violations),
           incomplete: keep(raw.incomplete),
           contrast: withContrast ? contrast({ limit, colour }) : null,
           links: withLinks ? links({ limit, colour }) : null };
}
