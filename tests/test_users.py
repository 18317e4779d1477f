"""Accounts: hashed passwords, authentication, and the `python -m data.users` command line."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from data import users


def row(engine, username):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT password_hash, is_staff, is_active, email, user_type FROM users WHERE username = :u"
            ),
            {"u": username},
        ).first()


def test_password_is_stored_only_as_a_salted_hash(engine):
    with engine.begin() as conn:
        users.create_user(conn, "ana", password="a long secret phrase", is_staff=True)
        users.create_user(conn, "ben", password="a long secret phrase")
    ana, ben = row(engine, "ana"), row(engine, "ben")
    assert "a long secret phrase" not in ana.password_hash
    assert ana.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert ana.password_hash != ben.password_hash


def test_authenticate_accepts_only_the_right_password_of_an_active_account(engine):
    with engine.begin() as conn:
        users.create_user(conn, "ana", password="a long secret phrase", is_staff=True)
        users.create_user(conn, "visitor")  # no password: can never log in
    with engine.connect() as conn:
        assert users.authenticate(conn, "ana", "a long secret phrase").is_staff
        assert users.authenticate(conn, "ana", "a long secret phrasE") is None
        assert users.authenticate(conn, "nobody", "a long secret phrase") is None
        assert users.authenticate(conn, "visitor", "") is None
    with engine.begin() as conn:
        users.set_active(conn, "ana", False)
    with engine.connect() as conn:
        assert users.authenticate(conn, "ana", "a long secret phrase") is None


def test_cli_creates_staff_account_from_stdin(engine, database_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret phrase\n"))
    code = users.main(
        [
            "--database-url",
            database_url,
            "create",
            "ana",
            "--staff",
            "--email",
            "ana@example.org",
            "--password-stdin",
        ]
    )
    assert code == 0
    assert "Created staff account 'ana'" in capsys.readouterr().out
    created = row(engine, "ana")
    assert created.is_staff and created.is_active
    assert created.email == "ana@example.org"
    assert created.user_type == "client"
    with engine.connect() as conn:
        assert users.authenticate(conn, "ana", "a long secret phrase") is not None


def test_cli_asks_twice_without_echo(engine, database_url, monkeypatch):
    answers = iter(["typed twice, no echo", "typed twice, no echo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert users.main(["--database-url", database_url, "create", "ben"]) == 0
    assert not row(engine, "ben").is_staff


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["create", "ana", "--password-stdin"], "short\n", "at least 10 characters"),
        (["create", "lead", "--password-stdin"], "a long secret phrase\n", "is taken"),
        (["deactivate", "ghost"], "", "no account named 'ghost'"),
    ],
)
def test_cli_errors_are_one_line_with_exit_1(engine, database_url, monkeypatch, capsys, argv, stdin, message):
    with engine.begin() as conn:
        users.create_user(conn, "lead", password="a long secret phrase")
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert users.main(["--database-url", database_url, *argv]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_deactivates_and_reactivates(engine, database_url):
    with engine.begin() as conn:
        users.create_user(conn, "ana", password="a long secret phrase", is_staff=True)
    assert users.main(["--database-url", database_url, "deactivate", "ana"]) == 0
    assert not row(engine, "ana").is_active
    assert users.main(["--database-url", database_url, "activate", "ana"]) == 0
    assert row(engine, "ana").is_active


def test_cli_unreachable_database_is_one_line(capsys):
    code = users.main(["--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none", "deactivate", "x"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: database: ") and err.count("\n") == 1


def test_unknown_user_costs_a_password_check_like_a_wrong_password(engine, monkeypatch):
    """No user enumeration by timing: both answers run exactly one (slow) hash check."""
    with engine.begin() as conn:
        users.create_user(conn, "ana", password="a long secret phrase")
    calls = []
    real = users.check_password_hash
    monkeypatch.setattr(
        users, "check_password_hash", lambda stored, pw: calls.append(stored) or real(stored, pw)
    )
    with engine.connect() as conn:
        assert users.authenticate(conn, "ana", "wrong wrong wrong") is None
        assert users.authenticate(conn, "nobody", "wrong wrong wrong") is None
    assert len(calls) == 2
    assert calls[0].split("$")[0] == calls[1].split("$")[0]  # same algorithm and cost
