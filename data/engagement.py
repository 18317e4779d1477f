"""The engagement score of docs/contract.md section 1: the only implementation of the formula."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def engagement_score(user_messages: int, actions: int, topics: int, duration_seconds: float) -> float:
    """Return the 0-100 engagement score, rounded half-up to one decimal."""
    score = (
        40 * min(user_messages / 10, 1)
        + 25 * min(actions / 5, 1)
        + 15 * min(topics / 3, 1)
        + 20 * min(max(duration_seconds, 0.0) / 600, 1)
    )
    # Through str() so that 12.25 (stored as 12.2499999...) rounds the way a person expects.
    return float(Decimal(str(round(score, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
