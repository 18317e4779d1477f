"""Colours, fonts and number formats shared by every chart."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
SESSIONS = "#2563eb"
MESSAGES = "#475569"  # slate-600: 7.6:1 on white (the old #94a3b8 was 2.6:1)
FORECAST_BAND = "rgba(37, 99, 235, 0.15)"  # SESSIONS, light: the forecast's 80% range
P50 = "#0d9488"
P95 = "#b45309"  # amber-700: 5.0:1
# The compared segment (dashed on the time charts): violet-600, 5.7:1 on white, apart from every
# other series' hue.
COMPARISON = "#7c3aed"
TOPICS = "#6366f1"
ISSUES = "#dc2626"
USER_TYPES = {"client": "#2563eb", "provider": "#0d9488", "anonymous": "#737373"}
RATINGS = {1: "#dc2626", 2: "#f97316", 3: "#eab308", 4: "#84cc16", 5: "#16a34a"}
# plotly_white's layout without its per-trace-type defaults, as the plain dict plotly.js reads.
# It is set on the figure's JSON (see `plain`), not on the Figure: plotly validates a template on
# every figure it is given to (~8 ms each, most of a cold refresh's Python time).
TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout).to_plotly_json()
HEATMAP = [[0, "#f8fafc"], [0.25, "#bfdbfe"], [0.6, "#3b82f6"], [1, "#1e3a8a"]]


def base_layout(**overrides) -> dict:
    """The layout every figure starts from: tight margins, light grid, readable hover labels."""
    layout = {
        "font": {"family": FONT, "size": 12, "color": "#334155"},
        "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
        "hoverlabel": {"font": {"family": FONT, "size": 12}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "separators": ".,",
    }
    layout.update(overrides)
    return layout


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure of plain trace and layout dicts, not run through plotly's property validation:
    that took most of a cold refresh's Python time (~150 ms for the seven charts; now ~10 ms).
    The browser test of every chart and the figure tests keep the dicts honest."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def plain(fig: go.Figure) -> dict:
    """The figure as the plain dict dcc.Graph takes, in the house template."""
    data = fig.to_plotly_json()
    data["layout"]["template"] = TEMPLATE
    return data


# Alert spans on the time charts: a light red band, its label in a red dark enough to read (> 4.5:1).
ALERT = "#dc2626"
ALERT_TEXT = "#991b1b"


def empty_figure(message: str) -> go.Figure:
    """A figure with no axes, only `message` in the middle (empty period, missing data)."""
    return figure(
        [],
        base_layout(
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": message,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": 14, "color": "#64748b"},
                }
            ],
        ),
    )
