"""Dash components of the dashboard. Functions here build components and nothing else."""
