"""The weekly report: `python -m reports.weekly`."""
