"""Forms for one participant and for a CSV import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.validation import MAX_EMAIL_LENGTH, Drawable, EmailAddress


class ParticipantForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=200), Drawable()],
        description="Printed on the certificate, in any script: at most 200 characters.",
    )
    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=MAX_EMAIL_LENGTH), EmailAddress()]
    )
    attended = BooleanField("Attended")
    submit = SubmitField("Save participant")


class CustomValue:
    """WTForms validator around `fields.check_value`: the import's rule for a value."""

    def __call__(self, form: object, field: object) -> None:
        from app.participants.fields import check_value

        try:
            check_value(getattr(field, "name", "value").removeprefix("custom_"), field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def participant_form(keys: list[str] | None, obj=None) -> ParticipantForm:
    """The participant form with one input per custom field of the event."""

    class EventParticipantForm(ParticipantForm):
        pass

    for key in keys or ():
        setattr(
            EventParticipantForm,
            f"custom_{key}",
            StringField(
                key.replace("_", " ").capitalize(),
                validators=[Length(max=200), CustomValue()],
                description=f"On the certificate as {{{key}}}.",
            ),
        )
    form = EventParticipantForm(obj=obj)
    if obj is not None and not form.is_submitted():
        for key in keys or ():
            form[f"custom_{key}"].data = (obj.fields or {}).get(key, "")
    return form


def custom_values(form: ParticipantForm, keys: list[str] | None) -> dict[str, str]:
    return {key: (form[f"custom_{key}"].data or "").strip() for key in keys or ()}


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    submit = SubmitField("Import")
