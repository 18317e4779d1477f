"""`chat-analytics users` (`python -m data.users`): create, deactivate and reactivate accounts."""

from __future__ import annotations

import getpass
import sys

import click

from commands.startup import database_url_option, one_line_errors, open_engine
from data.schema import USER_TYPES
from data.users import UserError, create_user, set_active


def read_password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise UserError("the two passwords differ")
    return first


@click.group(help="Create and deactivate accounts (staff sign in to the dashboard).")
@database_url_option
@click.pass_context
def users(ctx: click.Context, database_url: str | None) -> None:
    ctx.obj = {"database_url": database_url}


@users.command(help="Create an account; without --password-stdin it asks twice without echo.")
@click.argument("username")
@click.option("--staff", is_flag=True, help="may sign in to the dashboard")
@click.option("--email")
@click.option("--user-type", type=click.Choice(USER_TYPES), default="client", show_default=True)
@click.option("--password-stdin", is_flag=True, help="read the password from stdin")
@click.pass_obj
@one_line_errors
def create(
    obj: dict, username: str, staff: bool, email: str | None, user_type: str, password_stdin: bool
) -> None:
    engine = open_engine(obj["database_url"])
    password = read_password(password_stdin)
    with engine.begin() as conn:
        account = create_user(
            conn, username, password=password, is_staff=staff, email=email, user_type=user_type
        )
    role = "staff account" if account.is_staff else "account"
    click.echo(f"Created {role} {account.username!r} (id {account.id})")


def _set_active(name: str, active: bool, help_text: str) -> click.Command:
    @click.argument("username")
    @click.pass_obj
    @one_line_errors
    def command(obj: dict, username: str) -> None:
        with open_engine(obj["database_url"]).begin() as conn:
            set_active(conn, username, active)
        click.echo(f"{name.capitalize()}d {username!r}")

    return users.command(name, help=help_text)(command)


deactivate = _set_active("deactivate", False, "Lock an account out (effective on its next request).")
activate = _set_active("activate", True, "Let a deactivated account back in.")
