"""The topic explorer: per-topic figures of a period as a page and as JSON (docs/contract.md §3)."""
