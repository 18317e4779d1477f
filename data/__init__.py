"""The data layer: schema, engine, write path and metrics. It knows nothing of Dash or Flask."""
