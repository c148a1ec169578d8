"""The public form that checks a credential file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

# A baked certificate PNG is well under this; a credential alone is a few kB.
MAX_UPLOAD_BYTES = 3 * 1024 * 1024


class CheckCredentialForm(FlaskForm):
    file = FileField(
        "Credential file",
        description="The certificate's PNG, or the Open Badge (.jwt) from its verify page.",
    )
    text = TextAreaField("Or paste the credential", validators=[Optional(), Length(max=100_000)])
    submit = SubmitField("Check credential")
