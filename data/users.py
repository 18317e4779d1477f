"""Accounts: the people behind chat sessions and the staff who sign in to the dashboard.

Passwords are stored only as salted hashes (werkzeug's scrypt). `python -m data.users` (the
`chat-analytics users` command, commands.accounts) creates and deactivates accounts from a shell.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from data.schema import USER_TYPES, users

MIN_PASSWORD_LENGTH = 10
MAX_USERNAME_LENGTH = 150
# Checked when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password, only here to spend the same time")


class UserError(ValueError):
    """An account operation the data cannot accept (duplicate name, short password...)."""


@dataclass(frozen=True)
class Account:
    """What the web layer needs to know about a signed-in account."""

    id: int
    username: str
    email: str | None
    user_type: str
    is_staff: bool
    is_active: bool


def _account(row) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        email=row.email,
        user_type=row.user_type,
        is_staff=bool(row.is_staff),
        is_active=bool(row.is_active),
    )


_ACCOUNT_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.email,
    users.c.user_type,
    users.c.is_staff,
    users.c.is_active,
)


def create_user(
    conn: Connection,
    username: str,
    *,
    password: str | None = None,
    is_staff: bool = False,
    email: str | None = None,
    user_type: str = "client",
) -> Account:
    """Create an active account (with a hashed password when one is given) and return it."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise UserError(f"username must be 1-{MAX_USERNAME_LENGTH} characters")
    if user_type not in USER_TYPES:
        raise UserError(f"user type must be one of {', '.join(USER_TYPES)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                insert(users)
                .values(
                    username=username,
                    email=email or None,
                    password_hash=generate_password_hash(password) if password is not None else None,
                    user_type=user_type,
                    is_staff=is_staff,
                    is_active=True,
                    created_at=datetime.now(UTC),
                )
                .returning(users.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise UserError(f"username {username!r} is taken") from exc
    return Account(new_id, username, email or None, user_type, is_staff, True)


def get_account(conn: Connection, user_id: int) -> Account | None:
    """Return the account with this id, or None."""
    row = conn.execute(select(*_ACCOUNT_COLUMNS).where(users.c.id == user_id)).first()
    return _account(row) if row else None


def authenticate(conn: Connection, username: str, password: str) -> Account | None:
    """Return the active account whose password this is, or None (never saying which part was wrong)."""
    row = conn.execute(
        select(*_ACCOUNT_COLUMNS, users.c.password_hash).where(users.c.username == username.strip())
    ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    matches = check_password_hash(stored, password)
    if row is None or not row.password_hash or not matches or not row.is_active:
        return None
    return _account(row)


def set_active(conn: Connection, username: str, active: bool) -> None:
    """Activate or deactivate an account; a deactivated one loses access on its next request."""
    result = conn.execute(update(users).where(users.c.username == username).values(is_active=active))
    if result.rowcount == 0:
        raise UserError(f"no account named {username!r}")


def main(argv: list[str] | None = None) -> int:
    """`python -m data.users ...`: the `chat-analytics users` command; returns the exit code."""
    from commands.accounts import users as command
    from commands.startup import invoke

    return invoke(command, argv, "python -m data.users")


if __name__ == "__main__":
    sys.exit(main())
