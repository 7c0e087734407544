"""The look shared by the static pages (leaderboard, report): colours in the
papers' order and one style sheet, so both read as one product."""

COLOURS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0 2em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f0f0f0; cursor: pointer; user-select: none; }
td:first-child, th:first-child { text-align: left; white-space: nowrap; }
tr.published td { color: #666; font-style: italic; }
td.group { font-weight: 600; }
sup.sig { color: #b00; font-weight: 700; }
.warnings { background: #fff4e5; border: 1px solid #f0b400; padding: 0.5em 1em; }
p.protocol code { background: #f4f4f4; padding: 1px 4px; }
p.apart { background: #fdecea; border-left: 4px solid #c44e52; padding: 0.3em 0.8em; }
"""
