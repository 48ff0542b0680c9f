"""Presentation: the figures' style, the figures (``plots``), the figure registry (``figures``) and the HTML report.

Everything here reads the tidy tables of a results store (``simulation.runner``) or of an analysis;
nothing here runs the model.
"""
