"""Chat users named by a chat back end never become, or link to, staff accounts."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import text

from data.users import authenticate, create_user
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff, sign_in
from tests.test_ingest import TOKENS, ev, post
from tests.web import DASH
from web.context import services_of


def start_as(client, username: str) -> str:
    session = str(uuid.uuid4())
    user = {"username": username, "user_type": "client"}
    response = post(client, [ev("session_started", session, user_type="client", user=user)])
    assert response.status_code == 200, response.data
    return session


def owner(engine, session: str):
    """The users row a chat session is linked to."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT u.id, u.username, u.chat_name, u.password_hash, u.is_staff FROM chat_sessions s"
                " JOIN users u ON u.id = s.user_id WHERE s.session_id = :s"
            ),
            {"s": session},
        ).one()


def user_id(engine, username: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one()


def test_a_chat_user_named_like_a_staff_account_is_not_that_account(make_app):
    app = make_app(ingest_tokens=TOKENS)
    engine = add_staff(app)
    staff_id = user_id(engine, STAFF_USERNAME)
    client = app.server.test_client()
    first, second = start_as(client, STAFF_USERNAME), start_as(client, STAFF_USERNAME)

    chat = owner(engine, first)
    assert chat.id != staff_id
    assert (chat.username, chat.chat_name) == (f"{STAFF_USERNAME} (chat user)", STAFF_USERNAME)
    assert chat.password_hash is None and not chat.is_staff
    assert owner(engine, second).id == chat.id  # the same chat user both times
    with engine.connect() as conn:  # the staff account is untouched and still signs in
        assert authenticate(conn, STAFF_USERNAME, STAFF_PASSWORD).id == staff_id
        linked = conn.execute(text("SELECT COUNT(*) FROM chat_sessions WHERE user_id = :i"), {"i": staff_id})
        assert linked.scalar() == 0

    export = sign_in(app).get(DASH + "export/sessions/").get_data(as_text=True)
    users_shown = {row["User"] for row in csv.DictReader(io.StringIO(export))}
    assert users_shown == {f"{STAFF_USERNAME} (chat user)"}


def test_an_account_created_later_takes_the_name_and_leaves_the_chat_user_its_sessions(make_app):
    app = make_app(ingest_tokens=TOKENS)
    engine = services_of(app.server).engine
    client = app.server.test_client()
    before = start_as(client, "maria")
    chat_id = owner(engine, before).id

    with engine.begin() as conn:
        account = create_user(conn, "maria", password="a long secret phrase", is_staff=True)
    assert account.id != chat_id
    assert owner(engine, before).id == chat_id
    assert owner(engine, before).username == "maria (chat user)"
    after = start_as(client, "maria")  # the back end still reaches its own chat user
    assert owner(engine, after).id == chat_id


def test_chat_users_created_before_chat_names_are_found_by_their_username(make_app):
    app = make_app(ingest_tokens=TOKENS)
    engine = services_of(app.server).engine
    with engine.begin() as conn:
        visitor = create_user(conn, "visitor")  # no password: a chat user, as the seed makes them
    session = start_as(app.server.test_client(), "visitor")
    assert owner(engine, session).id == visitor.id
