"""Benchmarks: measured numbers for the notes and docs, never timed assertions in tests."""
