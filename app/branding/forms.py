"""The signer: whose signature a certificate shows, with their title."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.validation import Drawable


class SignerForm(FlaskForm):
    signer_name = StringField(
        "Signer's name",
        validators=[Optional(), Length(max=200), Drawable()],
        description="Printed where a layout says {signer_name}, e.g. under the signature.",
    )
    signer_title = StringField(
        "Signer's title",
        validators=[Optional(), Length(max=200), Drawable()],
        description="Printed where a layout says {signer_title}, e.g. Programme chair.",
    )
    submit = SubmitField("Save signer")
