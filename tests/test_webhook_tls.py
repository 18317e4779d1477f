"""HTTPS webhooks: the connection goes to the checked address and the certificate is still verified
against the URL's host (a certificate for another name, or one nobody trusts, is refused)."""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts import webhooks

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl (to make a test certificate) is not installed"
)


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and key for `name` (as its subject alternative name)."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.headers[webhooks.SIGNATURE_HEADER], body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def serve_tls(cert: Path, key: Path) -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def localhost_tls(tmp_path) -> Iterator[tuple[int, Path]]:
    cert, key = certificate(tmp_path, "localhost")
    Receiver.received = []
    for port in serve_tls(cert, key):
        yield port, cert


def test_a_trusted_certificate_for_the_host_gets_the_signed_body(localhost_tls, monkeypatch):
    port, cert = localhost_tls
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's own authority
    body = json.dumps({"text": "p95 response time above 3,000 ms"}).encode()
    assert webhooks.post(f"https://localhost:{port}/hooks/T0K3N", body, "s3cret", allow_private=True) == 204
    ((signature, received),) = Receiver.received
    assert received == body and signature == webhooks.sign(body, "s3cret")


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(localhost_tls, monkeypatch):
    port, _ = localhost_tls
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")  # nothing trusted
    with pytest.raises(webhooks.WebhookError, match="TLS failed") as raised:
        webhooks.post(f"https://localhost:{port}/hooks/T0K3N", b"{}", "s3cret", allow_private=True)
    assert "T0K3N" not in str(raised.value)  # the path may hold a token: never in an error
    assert Receiver.received == []


def test_a_certificate_for_another_name_is_refused_although_the_address_is_pinned(tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, "elsewhere.example")
    Receiver.received = []
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for port in serve_tls(cert, key):
        with pytest.raises(webhooks.WebhookError, match="TLS failed"):
            webhooks.post(f"https://localhost:{port}/hook", b"{}", "s3cret", allow_private=True)
    assert Receiver.received == []
