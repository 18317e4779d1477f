"""Staff login: flask-login sessions, the login and logout pages, and the guard on `/admin/`."""
