"""Forms for one participant and for a CSV import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.validation import MAX_EMAIL_LENGTH, Drawable, EmailAddress


class ParticipantForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=200), Drawable()],
        description="Printed on the certificate: any script but emoji, at most 200 characters.",
    )
    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=MAX_EMAIL_LENGTH), EmailAddress()]
    )
    attended = BooleanField("Attended")
    submit = SubmitField("Save participant")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    submit = SubmitField("Import")
