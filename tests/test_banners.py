"""Real servers name no software versions in their responses."""

from __future__ import annotations

import re

import pytest

from tests.servers import dev_server_command, free_port, get, gunicorn_command, serving

VERSION = re.compile(r"\d+\.\d+")


@pytest.mark.parametrize("command", [dev_server_command, gunicorn_command], ids=["python app.py", "gunicorn"])
def test_no_server_banner_carries_a_version(command, tmp_path):
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "k" * 40}
    with serving(command(port), port, env, tmp_path) as base:
        for path in ("/healthz", "/login", "/admin/chat-analytics/", "/no-such-page"):
            status, headers, _ = get(base + path)
            assert status in (200, 401, 404), path
            server = headers.get("Server", "")
            assert not VERSION.search(server), f"{path}: Server: {server}"
            assert "werkzeug" not in server.lower() and "python" not in server.lower()
            assert headers.get("X-Content-Type-Options") == "nosniff"
