// Layout probe for tests/test_browser_layout.py: every piece of visible text in this
// document (HTML text nodes, and the <text> of Plotly's SVG charts) as boxes, and what is
// wrong with them: text that overlaps other text (or a chart's Play / Pause), text cut
// off by a clipping box, an ellipsis or its chart's edge, a number broken across lines,
// text that runs past its element, its column, the main column or the window, and a
// chart's axis labels lying on another subplot's plotting area. A formula counts as the
// boxes of its KaTeX chunks; text hidden for screen readers and the folded sidebar of a
// phone are left out; the page's own scrolling boxes clip nothing.
// Called as page.evaluate(source, options); returns {count, charts, problems}.
(opts) => {
  const TOL = opts.tol;          // pixels of slack (KaTeX overhangs its box by ~2 px)
  const problems = [];
  const items = [];
  const vw = document.documentElement.clientWidth;
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const short = (s) => { s = s.replace(/\s+/g, " ").trim(); return s.length > 60 ? s.slice(0, 57) + "..." : s; };
  const box = (r) => ({x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width), h: Math.round(r.height)});
  const where = (el) => {
    const ids = [];
    for (let e = el; e && e !== document.body && ids.length < 2; e = e.parentElement) {
      const id = e.getAttribute && (e.getAttribute("data-testid") || "");
      if (id && !["stMarkdownContainer", "stVerticalBlock"].includes(id)) ids.push(id);
    }
    return ids.join(" in ");
  };
  const CONTAINERS = new Set(["stElementContainer", "stColumn", "stMainBlockContainer",
                              "stSidebarContent", "stExpanderDetails", "stTabPanel"]);
  // the page's own boxes (its scrolling main column, the sidebar), as against a box that
  // scrolls sideways on purpose (a wide table on a phone, the row of section tabs)
  const pageBox = (a) => a === document.documentElement || a === document.body ||
      /^st(App|Main$|Sidebar)/.test(a.getAttribute("data-testid") || "");
  const checked = new Set();     // scroll boxes already checked against their containers

  // Whether rect `r` of the text `what` (inside `el`) fits every container above `el`:
  // an element, column, the main column's content box, a clipping box, the window.
  function contain(r, el, what, dry = false) {
    const problem = (p) => { if (!dry) problems.push(p); return true; };
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.position === "fixed") break;  // pinned to the window (presentation mode's button)
      const id = a.getAttribute("data-testid");
      const ar = a.getBoundingClientRect();
      const scrollX = ["auto", "scroll"].includes(cs.overflowX);
      const clipX = ["hidden", "clip"].includes(cs.overflowX);
      const clipY = ["hidden", "clip"].includes(cs.overflowY);
      if (ar.width <= 2 || ar.height <= 2) {
        if (clipX || clipY) return false;   // a visually hidden label (screen readers only)
        continue;
      }
      let left = ar.left, right = ar.right;
      if (id === "stMainBlockContainer") {
        left += parseFloat(cs.paddingLeft); right -= parseFloat(cs.paddingRight);
      }
      const out = r.left < left - TOL || r.right > right + TOL;
      if (scrollX && a.scrollWidth > a.clientWidth + 1 && !pageBox(a)) {
        // scrolls sideways by design (a wide table or equation on a phone): the text is
        // reachable; the scrolling box itself must fit what holds it
        if (!dry && !checked.has(a)) { checked.add(a); contain(ar, a.parentElement, "scroll box of " + what); }
        return false;
      }
      if (out && (clipX || CONTAINERS.has(id))) {
        return problem({kind: clipX ? "cut off" : "overflows " + id, text: what,
                        where: where(el), box: box(r), container: box({left, top: ar.top,
                        width: right - left, height: ar.height})});
      }
      if (clipY && !pageBox(a) &&
          (r.top < ar.top - TOL || r.bottom > ar.bottom + TOL) && a.scrollHeight > a.clientHeight + 1) {
        return problem({kind: "cut off (height)", text: what, where: where(el), box: box(r),
                        container: box(ar)});
      }
    }
    if (r.left < -TOL || r.right > vw + TOL)
      return problem({kind: "past the window", text: what, where: where(el), box: box(r),
                      container: {x: 0, y: 0, w: vw, h: 0}});
    return false;
  }

  // Rect `r` clipped to the boxes above `el` that clip it (what of it one can see); the
  // page's own scrolling boxes clip nothing (what is below the first screen is scrolled to).
  function seen(r, el) {
    let L = r.left, T = r.top, R = r.right, B = r.bottom;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
      if (pageBox(a)) continue;          // the page's own scrolling: everything is reachable
      const ar = a.getBoundingClientRect();
      if (cs.overflowX !== "visible") { L = Math.max(L, ar.left); R = Math.min(R, ar.right); }
      if (cs.overflowY !== "visible") { T = Math.max(T, ar.top); B = Math.min(B, ar.bottom); }
    }
    return R - L > 0.5 && B - T > 0.5 ? {left: L, top: T, right: R, bottom: B} : null;
  }

  // --- HTML text ---------------------------------------------------------------------------
  const NUMBER = /^[(\[]?[±+\u2212-]?(\d[\d,]*\.?\d*|\.\d+)(e[+\u2212-]?\d+)?[)\],;:%]*$/i;
  const SKIP = "svg, script, style, noscript, .katex, .modebar-container, " +
               "[data-testid='stTooltipContent'], [role='tooltip']";
  // visually hidden, for screen readers only ("Skip to main content"): clipped to nothing
  // or to a box of a pixel or two
  const unseen = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.clip && cs.clip !== "auto" && /rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)/.test(cs.clip)) return true;
      if (cs.overflow !== "visible") {
        const r = a.getBoundingClientRect();
        if (r.width <= 2 || r.height <= 2) return true;
      }
    }
    return false;
  };
  const sidebar = document.querySelector("[data-testid='stSidebar']");
  const folded = (el) => sidebar && sidebar.getBoundingClientRect().right <= 1 && sidebar.contains(el);
  // A formula is checked as the boxes of its chunks (KaTeX's .base: one per line-breaking
  // piece), not glyph by glyph: KaTeX stacks its glyphs' boxes on purpose.
  for (const k of document.querySelectorAll(".katex-html")) {
    if (!shown(k) || folded(k)) continue;
    const what = "formula " + short(k.closest(".katex")?.querySelector("annotation")?.textContent || k.textContent);
    for (const b of k.querySelectorAll(":scope > .base")) {
      const r = b.getBoundingClientRect();
      if (r.width < 0.5 || r.height < 0.5) continue;
      contain(r, b, what);
      const s = seen(r, b);
      if (s) items.push({...s, text: what, el: b, node: k, kind: "html"});
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest(SKIP) || !shown(el) || folded(el) || unseen(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const what = short(text);
    const rects = [...range.getClientRects()].filter((r) => r.width >= 0.5 && r.height >= 0.5);
    if (rects.length > 1) {
      // a number broken across lines ("±5.6e-" over "12")
      for (const m of n.textContent.matchAll(/\S+/g)) {
        if (!NUMBER.test(m[0])) continue;
        const word = document.createRange();
        word.setStart(n, m.index);
        word.setEnd(n, m.index + m[0].length);
        const tops = [...word.getClientRects()].filter((r) => r.width >= 0.5).map((r) => r.top);
        if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 2)
          problems.push({kind: "number split across lines", text: m[0], where: where(el),
                         box: box(word.getBoundingClientRect()), container: box(el.getBoundingClientRect())});
      }
    }
    if (rects.some((r) => contain(r, el, what, true))) {
      // word by word: a space at the end of a wrapped line hangs past it, as it should
      for (const m of n.textContent.matchAll(/\S+/g)) {
        const word = document.createRange();
        word.setStart(n, m.index);
        word.setEnd(n, m.index + m[0].length);
        for (const r of word.getClientRects()) if (r.width >= 0.5) contain(r, el, what);
      }
    }
    for (const r of rects) {
      const s = seen(r, el);
      if (s) items.push({...s, text: what, el, node: n, kind: "html"});
    }
    // an ellipsis cuts the text: "±4.1e…"
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.textOverflow === "ellipsis" && a.scrollWidth > a.clientWidth + 1 &&
          !a.closest("input, textarea, [data-baseweb='select']")) {
        if (!checked.has(a)) {
          checked.add(a);
          problems.push({kind: "cut off (ellipsis)", text: short(a.textContent), where: where(a),
                         box: box(a.getBoundingClientRect()),
                         container: {x: 0, y: 0, w: a.scrollWidth, h: 0}});
        }
        break;
      }
      if (a.getAttribute("data-testid") === "stElementContainer") break;
    }
  }

  // --- Plotly charts -------------------------------------------------------------------------
  let charts = 0;
  const plots = [...document.querySelectorAll(".js-plotly-plot")].filter(shown);
  plots.forEach((plot, ci) => {
    const svgs = [...plot.querySelectorAll("svg.main-svg")];
    if (!svgs.length) return;
    charts += 1;
    const frame = plot.getBoundingClientRect();
    contain(frame, plot, `chart ${ci}`);
    const areas = [];            // plotting areas by subplot id ("xy", "x2y2")
    for (const drag of plot.querySelectorAll(".draglayer > g")) {
      const rect = drag.querySelector("rect.nsewdrag");
      const id = [...drag.classList].find((c) => /^x\d*y\d*$/.test(c));
      if (rect && id) areas.push({id, axes: id.match(/[xy]\d*/g), r: rect.getBoundingClientRect()});
    }
    for (const t of plot.querySelectorAll("svg text")) {
      const text = t.textContent.trim();
      if (!text || !shown(t)) continue;
      const r = t.getBoundingClientRect();
      if (r.width < 0.5 || r.height < 0.5) continue;
      const what = short(text);
      // the axis it labels: tick labels in .xaxislayer-above of subplot "x2y2", titles "x2title"
      let axis = null;
      const layer = t.closest(".xaxislayer-above, .yaxislayer-above");
      if (layer) {
        const sub = [...(t.closest(".subplot")?.classList || [])].find((c) => /^x\d*y\d*$/.test(c));
        if (sub) axis = sub.match(/[xy]\d*/g)[layer.classList.contains("xaxislayer-above") ? 0 : 1];
      } else {
        const m = [...t.classList].map((c) => c.match(/^([xy]\d*)title$/)).find(Boolean);
        if (m) axis = m[1];
      }
      items.push({left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: what,
                  el: t, node: t, kind: "svg", chart: ci, axis});
      if (r.left < frame.left - TOL || r.right > frame.right + TOL ||
          r.top < frame.top - TOL || r.bottom > frame.bottom + TOL)
        problems.push({kind: "cut off by its chart", text: what, where: `chart ${ci}`,
                       box: box(r), container: box(frame)});
      if (axis) {
        for (const a of areas) {
          if (a.axes.includes(axis)) continue;
          const ix = Math.min(r.right, a.r.right) - Math.max(r.left, a.r.left);
          const iy = Math.min(r.bottom, a.r.bottom) - Math.max(r.top, a.r.top);
          if (ix > TOL && iy > TOL)
            problems.push({kind: `axis ${axis} label on subplot ${a.id}`, text: what,
                           where: `chart ${ci}`, box: box(r), container: box(a.r)});
        }
      }
    }
    // Play / Pause and other buttons of the chart: their boxes, which no other text may cover
    for (const b of plot.querySelectorAll("g.updatemenu-button")) {
      const rect = b.querySelector("rect");
      if (!rect || !shown(b)) continue;
      const r = rect.getBoundingClientRect();
      items.push({left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                  text: "[button " + short(b.textContent) + "]", el: b, node: b, kind: "button", chart: ci});
    }
  });

  // --- overlaps ------------------------------------------------------------------------------
  items.sort((a, b) => a.top - b.top);
  for (let i = 0; i < items.length; i++) {
    const A = items[i];
    for (let j = i + 1; j < items.length; j++) {
      const B = items[j];
      if (B.top >= A.bottom) break;
      if (A.node === B.node) continue;
      if ((A.kind === "button" && A.el.contains(B.el)) || (B.kind === "button" && B.el.contains(A.el))) continue;
      const ix = Math.min(A.right, B.right) - Math.max(A.left, B.left);
      const iy = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
      const h = Math.min(A.bottom - A.top, B.bottom - B.top);
      if (ix > 2 && iy > Math.max(2, 0.25 * h))
        problems.push({kind: "overlap", text: A.text, other: B.text, where: where(A.el),
                       other_where: where(B.el), box: box({left: A.left, top: A.top,
                       width: A.right - A.left, height: A.bottom - A.top}),
                       container: box({left: B.left, top: B.top, width: B.right - B.left,
                       height: B.bottom - B.top})});
    }
  }
  return {count: items.length, charts, problems};
}
