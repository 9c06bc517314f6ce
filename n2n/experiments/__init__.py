"""Experiment scripts that write results files (ablations, comparisons)."""
