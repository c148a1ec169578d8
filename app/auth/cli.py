"""`flask users create EMAIL`: the way in when sign-up is closed."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.auth.accounts import AccountError, change_password, create_organizer, find_organizer

users = AppGroup("users", help="Manage organizer accounts.")


def read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, password_stdin: bool) -> None:
    """Create an organizer; the password comes from a prompt or stdin."""
    password = read_password(password_stdin)
    try:
        organizer = create_organizer(email, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created organizer {organizer.email}.")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(email: str, password_stdin: bool) -> None:
    """Set an organizer's password and sign them out everywhere."""
    organizer = find_organizer(email)
    if organizer is None:
        raise click.ClickException(f"No organizer has the email {email!r}.")
    try:
        change_password(organizer, read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password changed for {organizer.email}; every session of theirs has ended.")
