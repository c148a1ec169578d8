"""Sign-in, sign-up and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.accounts import MAX_PASSWORD, MIN_PASSWORD
from app.validation import MAX_EMAIL_LENGTH, EmailAddress

NEW_PASSWORD_RULE = Length(
    min=MIN_PASSWORD,
    max=MAX_PASSWORD,
    message=f"Use at least {MIN_PASSWORD} characters (and at most {MAX_PASSWORD}).",
)


def email_field() -> EmailField:
    return EmailField(
        "Email", validators=[DataRequired(), Length(max=MAX_EMAIL_LENGTH), EmailAddress()]
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class SignupForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired(), NEW_PASSWORD_RULE],
        description=f"At least {MIN_PASSWORD} characters.",
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create account")


class SettingsForm(FlaskForm):
    display_name = StringField(
        "Name shown as the issuer",
        validators=[Optional(), Length(max=200)],
        description="Your organisation or your name, as holders see it on their verify page "
        "and on LinkedIn. Empty: your email address.",
    )
    submit = SubmitField("Save")


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Email me a link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), NEW_PASSWORD_RULE],
        description=f"At least {MIN_PASSWORD} characters. Every signed-in browser is signed out.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "Passwords differ.")],
    )
    submit = SubmitField("Set the new password")


class PasswordForm(ResetPasswordForm):
    """The signed-in change: the reset form plus the current password."""

    current = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), NEW_PASSWORD_RULE],
        description=f"At least {MIN_PASSWORD} characters. Every other signed-in "
        "browser is signed out.",
    )
    submit = SubmitField("Change password")
