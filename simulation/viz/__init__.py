"""Layer 4 of the package: what a lecture or a paper shows. Nothing here runs the model.

It reads the tidy tables of a results store (``simulation.runner``) and of the analyses
(``simulation.analysis``), and is read only by the entry points:

- ``style``: the colour-blind-safe palettes and the projector-sized type (plain data, no matplotlib);
- ``plots``: one function per figure, each taking results frames and returning a matplotlib Figure;
- ``figures``: the figure registry behind ``escalation plot`` (which kinds exist, how each is drawn
  from a results folder, and the subset of design points to draw);
- ``report``: one self-contained HTML page of a results folder;
- ``calibration_plots``: the figures and page of a calibration folder;
- ``web``: the dashboard's browser charts, as Vega-Lite specs (built with Altair) and the rows they
  show each month: pure functions, testable without a browser;
- ``webview``: the Solara widget that draws a ``web`` spec in the browser and updates it in place.
"""
