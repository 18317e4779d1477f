"""Streamed CSV exports of sessions, messages and analytics (CONTRACT.md section 3)."""
