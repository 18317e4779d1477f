"""Alerts: staff-defined rules on the catalogue's metrics, evaluated once a minute
(`python -m alerts.check`), notifying by email and signed webhooks when a rule starts firing and
when it recovers. The modules here but `routes` and `forms` know nothing of the web."""
