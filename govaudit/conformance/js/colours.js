// Colours as the one-pass rules (contrast.js, links.js) compute them: an element's background
// is its background colour over its ancestors' composited down to the canvas (white), with the
// opacity met on the way; a background image or gradient on the way makes it unknown. Each
// element is looked at once per call of this function, however many rules ask.
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const l1 = lum(a), l2 = lum(b);
    return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  };
  const white = { r: 255, g: 255, b: 255, a: 1 };
  const styles = new Map(), grounds = new Map();
  const style = (el) => {
    let s = styles.get(el);
    if (!s) { s = getComputedStyle(el); styles.set(el, s); }
    return s;
  };
  // { colour, opacity, image }: the background composited from `el` up to the first opaque
  // one (white below all), the product of the opacities up to there, and whether a
  // background image stopped the way (then `colour` holds what was met below it).
  const ground = (el) => {
    let g = grounds.get(el);
    if (g) return g;
    const s = style(el);
    const opacity = parseFloat(s.opacity || "1");
    const bg = parse(s.backgroundColor);
    if (s.backgroundImage !== "none") {
      g = { colour: white, opacity, image: true };
    } else if (bg && bg.a >= 1) {
      g = { colour: bg, opacity, image: false };
    } else {
      const parent = el.parentElement;
      const below = parent ? ground(parent) : { colour: white, opacity: 1, image: false };
      g = { colour: bg && bg.a > 0 ? over(bg, below.colour) : below.colour,
            opacity: opacity * below.opacity, image: below.image };
    }
    grounds.set(el, g);
    return g;
  };
  // The text colour of `el` as shown over its background (null when that is unknown).
  const foreground = (el) => {
    const g = ground(el);
    if (g.image) return null;
    const colour = parse(style(el).color);
    if (!colour) return null;
    return over({ ...colour, a: colour.a * g.opacity }, g.colour);
  };
  return { parse, over, ratio, style, ground, foreground };
}
