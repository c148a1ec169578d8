"""Forms for revoking a certificate and editing an event's layout."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason", validators=[DataRequired("Say why the certificate is revoked."), Length(max=500)]
    )
    submit = SubmitField("Revoke")


class LayoutForm(FlaskForm):
    layout = TextAreaField("Layout (JSON)", validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField("Save layout")


class BackgroundForm(FlaskForm):
    """Confirms a direct upload: `key` names the object the browser just stored."""

    key = StringField(validators=[DataRequired(), Length(max=500)])
