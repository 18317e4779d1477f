"""flask-login's view of an account: loaded from the database on every request."""

from __future__ import annotations

import logging

from flask import session
from flask_login import LoginManager, UserMixin
from sqlalchemy.exc import SQLAlchemyError

from data.users import Account, signed_in_account
from web.context import services

# The account as it was at sign-in, kept in the signed session cookie for database outages only.
ACCOUNT_SNAPSHOT = "account_snapshot"
# The sign-in's token (data.logins): the request is signed in only while its row exists.
LOGIN_TOKEN = "login_token"  # noqa: S105 (a session key, not a secret)
log = logging.getLogger(__name__)


def login_token() -> str | None:
    """The current session's sign-in token, if it has one."""
    token = session.get(LOGIN_TOKEN)
    return token if isinstance(token, str) and token else None


def remember_account(account: Account) -> None:
    """Keep what identifies `account` in the session, for `make_login_manager`'s outage fallback."""
    session[ACCOUNT_SNAPSHOT] = {"id": account.id, "username": account.username, "is_staff": account.is_staff}


def _from_snapshot(user_id: int) -> SignedInUser | None:
    snapshot = session.get(ACCOUNT_SNAPSHOT)
    if not isinstance(snapshot, dict) or snapshot.get("id") != user_id:
        return None
    account = Account(user_id, str(snapshot["username"]), None, "staff", bool(snapshot["is_staff"]), True)
    return SignedInUser(account)


class SignedInUser(UserMixin):
    """The account behind the current request (flask-login's `current_user`)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def is_staff(self) -> bool:
        return self.account.is_staff

    @property
    def is_active(self) -> bool:
        return self.account.is_active

    @property
    def is_authenticated(self) -> bool:
        # UserMixin ties this to is_active; a deactivated account is still known (and refused 403).
        return True


def make_login_manager() -> LoginManager:
    """A LoginManager that reloads the account and its sign-in each request: a sign-in that was
    ended (signing out, deactivation, a new password, "sign out everywhere") is refused at once."""
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.login_view = "auth.login"

    @manager.user_loader
    def load(user_id: str) -> SignedInUser | None:
        token = login_token()
        if not user_id.isdigit() or token is None:
            return None
        try:
            with services().reader.connect() as conn:
                account = signed_in_account(conn, int(user_id), token)
        except SQLAlchemyError:
            # While the database is down there is no data to serve, and no deactivation can have
            # been written; the request goes on to fail with a clear 503 or the dashboard banner.
            log.warning("database unavailable: account %s taken from its session", user_id)
            return _from_snapshot(int(user_id))
        # A deactivated account stays identified, so the guard can answer it 403 on its next request.
        return SignedInUser(account) if account else None

    return manager
