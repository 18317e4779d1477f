"""Chat users (the people behind ingested chat sessions) kept apart from sign-in accounts.

Both live in `users`, whose usernames are unique. A chat back end names its users freely, so a
chat user may share a name with a staff account; it must never be linked to that account. Chat
users are therefore looked up by `chat_name` (the name as sent) among rows that cannot sign in (no
password, not staff). When the name is held by an account, the chat user's row gets a marked
username instead ("lead (chat user)"), and an account created later takes its name over the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, and_, insert, select, update

from data.recording import RecordingError
from data.schema import USER_TYPES, users

MAX_USERNAME_LENGTH = 150
MARK = "chat user"
MAX_TRIES = 100


class ChatNameError(RecordingError):
    """No free username was found for a chat user (after MAX_TRIES marked variants)."""


def _cannot_sign_in() -> ColumnElement[bool]:
    return and_(users.c.password_hash.is_(None), users.c.is_staff.is_(False))


def _marked(name: str, n: int) -> str:
    """`name` itself (n = 1), then "name (chat user)", "name (chat user 3)"... within 150 characters."""
    if n == 1:
        return name
    suffix = f" ({MARK})" if n == 2 else f" ({MARK} {n})"
    return name[: MAX_USERNAME_LENGTH - len(suffix)] + suffix


def free_username(conn: Connection, name: str) -> str:
    """The first of `name`'s marked variants that no row uses yet."""
    for n in range(1, MAX_TRIES + 1):
        candidate = _marked(name, n)
        if conn.execute(select(users.c.id).where(users.c.username == candidate)).first() is None:
            return candidate
    raise ChatNameError(f"no free username for chat user {name!r}")


def _chat_user(conn: Connection, name: str) -> int | None:
    """The chat user known by `name`: by its chat name, or an older row of that username that
    cannot sign in and has no chat name yet (seeded, or created before chat names), adopted."""
    found = conn.execute(
        select(users.c.id).where(users.c.chat_name == name, _cannot_sign_in()).order_by(users.c.id).limit(1)
    ).scalar()
    if found is not None:
        return found
    older = conn.execute(
        select(users.c.id).where(users.c.username == name, users.c.chat_name.is_(None), _cannot_sign_in())
    ).scalar()
    if older is not None:
        conn.execute(update(users).where(users.c.id == older).values(chat_name=name))
    return older


def chat_user_id(conn: Connection, name: str, user_type: str) -> int:
    """The id of the chat user its back end calls `name`, created when new; never an account's."""
    found = _chat_user(conn, name)
    if found is not None:
        return found
    return conn.execute(
        insert(users)
        .values(
            username=free_username(conn, name),
            chat_name=name,
            user_type=user_type if user_type in USER_TYPES else "client",
            is_staff=False,
            is_active=True,
            created_at=datetime.now(UTC),
        )
        .returning(users.c.id)
    ).scalar_one()


def make_room_for_account(conn: Connection, username: str) -> None:
    """Before an account takes `username`: a chat user holding it moves to a marked name (it keeps
    its chat name, so its back end still reaches it, and its sessions stay its own)."""
    holder = conn.execute(
        select(users.c.id, users.c.chat_name).where(users.c.username == username, _cannot_sign_in())
    ).first()
    if holder is None:
        return
    conn.execute(
        update(users)
        .where(users.c.id == holder.id)
        .values(username=free_username(conn, username), chat_name=holder.chat_name or username)
    )
