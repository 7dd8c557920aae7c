"""Compiled inner loops (numba) for the processes that touch every family, child or
family x service each month.

Why: at neighbourhood sizes a month is dominated by the number of array passes, not by
arithmetic; these kernels do in one pass what NumPy needs tens of passes for
(docs/ODD.md, "Performance decisions"). Each implements exactly the rule stated in plain
NumPy in the sim/processes module that calls it, and draws random numbers with the same
counter-based hash as sim.rng (bit-identical).

One module per process (informal.py serves families, trust and norms, which walk the
same informal ties). Processes import the module they need (`from sim.kernels import
ties as KT`); this package re-exports nothing, so that no two processes share a file.
"""
