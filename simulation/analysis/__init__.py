"""Analyses of a results store: outcomes per design point, sensitivity (SALib) and scenario discovery (PRIM).

They read the runner's tidy tables and return tables; drawing them is ``simulation.viz``'s job.
"""
