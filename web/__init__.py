"""Flask-side plumbing shared by the dashboard, the exports, the API and the login pages."""
