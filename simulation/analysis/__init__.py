"""Layer 3 of the package: analyses of results, as tables (drawing them is ``simulation.viz``'s job).

It imports the engine and ``simulation.runner``, never ``viz`` or the entry points:

- ``outcomes``: every outcome per design point (name, label, how it is computed over the seeds),
  the design points' labels, the subset a figure draws (``--where``/``--points``) and the summary
  table that ``escalation batch`` and ``summarize`` print;
- ``sensitivity``: Sobol' and Morris indices (SALib) of an experiment run through the batch runner;
- ``discovery``: PRIM scenario discovery, and the one parser of conditions (``"peak_rung >= 7"``);
- ``observed``, ``calibration``, ``abc_sampler``: the real war's series and events, and the
  calibration of parameters to them (ABC-SMC on the project's executors).
"""
