"""`xtransfer-bench report`: does alignment predict transfer? For a set of
runs against a baseline, per benchmark: the per-language score gains with
their paired-bootstrap intervals (xtransfer_bench.compare), each model's
translation retrieval to and from English at one layer (align-eval), and the
Spearman correlation between alignment change and gain across languages with
a bootstrap interval over languages; also the baseline's own transfer gap
against its alignment (the CL-ICP paper's figure 2c). Written as report.html
(one file, figures inline), report.md, report.csv, correlations.csv and
report.json.

Modules: inputs (runs and align-eval folders), alignment (per-language
measures from align-eval output), compute (running align-eval for the runs'
models), statistics (Spearman, its intervals), analysis (gains joined with
alignment per benchmark), figures, text (how to read it), html_page,
markdown, numbers (CSV/JSON), build (all of it).
"""
