"""Plotly figures for the dashboard: data in, figure out, one look for all of them."""
