"""Bearer tokens from the Authorization header, compared in constant time."""

from __future__ import annotations

import hmac

from flask import request


def bearer_token(tokens: tuple[str, ...]) -> str | None:
    """The configured token the current request carries as `Authorization: Bearer <token>`, or None."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    # Compare with every configured token, in constant time each, without stopping early.
    offered = given.strip().encode()
    matches = [t for t in tokens if hmac.compare_digest(offered, t.encode())]
    return matches[0] if matches else None
