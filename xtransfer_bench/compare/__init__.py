"""Comparisons of runs: paired bootstrap significance from lm-eval's per-sample
logs, and cross-lingual consistency on parallel test sets (`xtransfer-bench compare`)."""
