"""lncare benchmarks: ``make bench`` runs them and writes JSON results to ``benchmarks/results/``."""
