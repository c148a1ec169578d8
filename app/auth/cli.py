"""`flask users create EMAIL`: the way in when sign-up is closed."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth.accounts import AccountError, create_organizer

users = AppGroup("users", help="Manage organizer accounts.")


@users.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, password_stdin: bool) -> None:
    """Create an organizer; the password comes from a prompt or stdin."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        organizer = create_organizer(email, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created organizer {organizer.email}.")
