"""Forms for one participant and for a CSV import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError


class ParticipantForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])

    def validate_name(self, field: StringField) -> None:
        from app.participants.csv_io import check_drawable

        try:
            check_drawable(field.data or "")
        except ValueError as exc:
            message = str(exc)
            raise ValidationError(message[:1].upper() + message[1:] + ".") from None

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    attended = BooleanField("Attended")
    submit = SubmitField("Save participant")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    submit = SubmitField("Import")
