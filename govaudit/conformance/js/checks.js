// The first call of page_checks.check_page: the facts of the 适老化 checks (facts.js, with
// `facts`), then axe-core and the one-pass rules (axe_run.js, with `axe`), which change
// nothing they read. The floating look's `age` counts to the end of the call. `axe` is null
// when axe-core is not in the page.
async ({ facts: asked, axe: run }) => {
  const started = performance.now();
  const found = facts(asked);
  const axe = await axe_run(run);
  if (found.floating) found.floating.age += performance.now() - started;
  return { facts: found, axe };
}
