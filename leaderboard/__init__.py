"""Leaderboards from lm-eval results files, beside the papers' published numbers.

results.py reads lm-eval results JSON (any backend) and the bundled
reference/*.csv into one tidy list of scores; tables.py lays them out like
the papers' tables (per-language columns, group means, deltas against a
baseline row); write.py writes CSV, Markdown and a static HTML page.
"""
