"""flask-login's view of an account: loaded from the database on every request."""

from __future__ import annotations

from flask_login import LoginManager, UserMixin

from data.users import Account, get_account
from web.context import services


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
    """A LoginManager that reloads the account each request, so deactivation takes effect at once."""
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.login_view = "auth.login"

    @manager.user_loader
    def load(user_id: str) -> SignedInUser | None:
        if not user_id.isdigit():
            return None
        with services().engine.connect() as conn:
            account = get_account(conn, int(user_id))
        # A deactivated account stays identified, so the guard can answer it 403 on its next request.
        return SignedInUser(account) if account else None

    return manager
