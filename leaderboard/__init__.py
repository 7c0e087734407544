"""Leaderboards from lm-eval results files, beside the papers' published numbers.

results.py reads lm-eval results JSON (any backend, through
xtransfer_bench.results_files) and the bundled reference/*.csv into one tidy
list of scores; placement.py decides which runs may sit beside the published
rows (same protocol, test set and item count); tables.py lays them out like
the papers' tables (per-language columns, group means, deltas against a
baseline row); write.py writes CSV and Markdown, page.py a static HTML page.
"""
