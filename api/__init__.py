"""JSON endpoints: the real-time metrics API and event ingestion."""
