"""A Vega-Lite chart in a Solara page that updates in place: the spec once, each month only its rows.

``VegaChart(spec, data, stamp)`` draws a spec of ``simulation.viz.web`` with Vega's SVG renderer in
the browser. When only ``data`` changes (the next month), the browser replaces the named data sources
of the live view (``view.data(name, rows)``) and Vega redraws what changed: no image is made on the
server and the chart is not rebuilt. A new ``spec`` (another mode or run) rebuilds the view. A spec may carry static
shapes for a source's rows in ``usermeta.join`` (``{source: {"key": field, "geometry": {key: GeoJSON
geometry}}}``): the browser adds them to each month's rows, so outlines cross the network once.

Offline: Vega 5.21 and Vega-Lite 5.2 are loaded from the page's own ``_solara/cdn`` path, which
``solara-assets`` fills from the package (no request leaves the machine). Solara's own
``FigureAltair`` asks for ``vega@5``/``vega-lite@5``, which are not bundled under those names, and
re-embeds the whole chart after a 100 ms debounce on every change, so it is not used here.

When a chart has drawn the rows of a ``stamp`` (the month), its element carries ``data-stamp``: the
browser tests and ``benchmarks/dashboard_timing.py`` wait for it.
"""

from __future__ import annotations

import json
from typing import Any

import ipyvuetify as v
import solara
import traitlets

__all__ = ["VEGA_FILES", "VegaChart", "VegaWidget", "spec_text"]

#: The Vega front end, as bundled by solara-assets (paths under the page's CDN mirror, without ``.js``).
VEGA_FILES = {"vega": "vega@5.21.0/build/vega.min", "vega-lite": "vega-lite@5.2.0/build/vega-lite.min"}

_VUE = """
<template><div :class="'vega-chart ' + (chart_class || '')" ref="el"></div></template>
<script>
module.exports = {
  mounted() {
    this.busy = this.load().then(() => this.draw()).catch(this.fail);
  },
  watch: {
    spec() { this.busy = this.busy.then(() => this.draw()).catch(this.fail); },
    rows() { this.busy = this.busy.then(() => this.update()).catch(this.fail); },
  },
  destroyed() {
    if (this.observer) this.observer.disconnect();
    if (this.view) this.view.finalize();
  },
  methods: {
    fail(e) {
      console.error("vega chart:", e);
      this.$refs.el.dataset.error = String(e);
    },
    load() {
      if (!window.escalationVega) {
        const cdn = (window.solara && window.solara.cdn) || "_solara/cdn";
        const files = FILES;
        const paths = { vega: `${cdn}/${files.vega}`, "vega-lite": `${cdn}/${files["vega-lite"]}` };
        window.requirejs.config({ paths });
        window.escalationVega = new Promise((ok, fail) =>
          window.requirejs(["vega", "vega-lite"], (vega, vl) => ok({ vega, vl }), fail));
      }
      return window.escalationVega.then((m) => { this.lib = m; });
    },
    async draw() {
      const { vega, vl } = this.lib;
      if (this.view) this.view.finalize();
      const el = this.$refs.el;
      this.parsed = JSON.parse(this.spec);
      const compiled = vl.compile(this.parsed).spec;
      this.view = new vega.View(vega.parse(compiled), { renderer: "svg", container: el, hover: true });
      await this.update();
      // Vega-Lite's container sizes follow window resizes only: tell it when this box changes size
      // (a new mode's layout settles after the view is made)
      if (!this.observer) {
        this.observer = new ResizeObserver(() => {
          clearTimeout(this.resizing);
          this.resizing = setTimeout(() => window.dispatchEvent(new Event("resize")), 50);
        });
        this.observer.observe(el);
      }
    },
    async update() {
      if (!this.view) return;
      const stamp = this.stamp;
      for (const [name, value] of Object.entries(JSON.parse(this.signals || "{}"))) this.view.signal(name, value);
      const join = (this.parsed.usermeta || {}).join || {};
      for (const [name, rows] of Object.entries(JSON.parse(this.rows || "{}"))) {
        const j = join[name];  // outlines sent once with the spec, added to each month's rows here
        this.view.data(name, j ? rows.map((r) => ({ ...r, type: "Feature", geometry: j.geometry[r[j.key]] })) : rows);
      }
      await this.view.runAsync();
      this.$refs.el.dataset.stamp = stamp;
    },
  },
};
</script>
<style id="escalation-vega">
.vega-chart { width: 100%; min-height: 0; overflow: hidden; }  /* its box sets its size, never its content */
.vega-chart.fit-box > svg { display: block; width: 100%; height: 100%; }
</style>
"""


class VegaWidget(v.VuetifyTemplate):
    """The browser side of :func:`VegaChart` (a Vue template holding one Vega view)."""

    template = traitlets.Unicode(_VUE.replace("FILES", str(VEGA_FILES).replace("'", '"'))).tag(sync=True)
    # JSON text, not dicts: the page's renderer walks every list and dict of a component's properties
    # (looking for nested elements) on every render, which for a map's outlines is ~10^5 visits a month
    spec = traitlets.Unicode("{}").tag(sync=True)
    rows = traitlets.Unicode("{}").tag(sync=True)  # named data source -> its rows ("data" is Vue's own word)
    signals = traitlets.Unicode("{}").tag(sync=True)  # Vega signals set with each update (the month axis' end)
    stamp = traitlets.Unicode("").tag(sync=True)
    chart_class = traitlets.Unicode("").tag(sync=True)  # ipyvue's VueTemplate has a "css" trait of its own


@solara.component
def VegaChart(  # noqa: N802 (Solara components are named like classes)
    spec: str, data: dict[str, list], stamp: str = "", css: str = "", signals: dict | None = None
) -> None:
    """A Vega-Lite spec (as JSON text, see :func:`spec_text`) over its named ``data`` sources.

    ``stamp`` names what the rows show (the month); ``signals`` are set in the view with each update
    (the spec must declare them as parameters).
    """
    rows = json.dumps(data, separators=(",", ":"))
    VegaWidget.element(spec=spec, rows=rows, stamp=stamp, chart_class=css, signals=json.dumps(signals or {}))


def spec_text(spec: dict[str, Any]) -> str:
    """A spec as the chart takes it: compact JSON (build it once and keep it: see ``simulation.app``)."""
    return json.dumps(spec, separators=(",", ":"))
