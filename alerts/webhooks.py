"""Sending a webhook: a signed JSON POST to an address checked before connecting.

A webhook is a request this server makes on a staff member's word, so the host is resolved once,
every address is checked (no loopback, private, link-local, multicast, reserved or cloud-metadata
address unless the operator allows private ones), and the connection goes to the checked address
itself: no second DNS lookup that could answer differently. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Chat-Analytics-Signature"
TIMEOUT_S = 5.0
USER_AGENT = "chat-analytics-alerts/1"
# Metadata services that are not in a private range on every cloud (Alibaba's is in 100.64/10).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class WebhookError(RuntimeError):
    """The webhook could not be delivered; the message names no secret and no URL path."""


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def shown(url: str) -> str:
    """The URL as logs and errors may show it: scheme and host only (paths often hold tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"


def refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> str | None:
    """Why a webhook may not go to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if allow_private:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def resolve(host: str, port: int, allow_private: bool) -> str:
    """One address of `host` to connect to, after checking all of them; WebhookError otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookError(f"cannot resolve {host}: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise WebhookError(f"{host} has no address")
    for address in addresses:
        why = refused(address, allow_private)
        if why:
            raise WebhookError(
                f"{host} resolves to {why} ({address}); refused (ALERTS_ALLOW_PRIVATE_WEBHOOKS=1 allows private ones)"
            )
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to an already checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an already checked address; the certificate is verified against the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str, body: bytes, secret: str, *, allow_private: bool = False, timeout: float = TIMEOUT_S
) -> int:
    """POST `body` (JSON) signed with `secret`; the status code of a 2xx answer, else WebhookError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"{shown(url)} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port, allow_private)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(body, secret),
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)
    except TimeoutError:
        raise WebhookError(f"{shown(url)} did not answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise WebhookError(f"{shown(url)} refused the connection (nothing listening?)") from None
    except ssl.SSLError as exc:
        raise WebhookError(f"{shown(url)}: TLS failed ({exc.reason or exc})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookError(f"{shown(url)}: {exc.__class__.__name__}: {exc}") from None
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise WebhookError(
            f"{shown(url)} answered {response.status} (a redirect; redirects are not followed)"
        )
    if not 200 <= response.status < 300:
        raise WebhookError(f"{shown(url)} answered {response.status} {response.reason}")
    return response.status
