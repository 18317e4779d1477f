"""Streamed CSV exports of sessions, messages and analytics (docs/contract.md section 3)."""
