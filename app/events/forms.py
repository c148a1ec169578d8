"""The event form: times are entered in the event's own time zone."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.certificates.rendering.fonts import SCRIPTS
from app.events.languages import LANGUAGES
from app.events.timezones import MAX_YEAR, MIN_YEAR, is_timezone, local_time_problem, to_utc
from app.validation import Drawable

TIME_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired(), Length(max=200), Drawable()],
        description=(
            f"It is printed on the certificates: {', '.join(SCRIPTS[:-1])} or {SCRIPTS[-1]} "
            "letters."
        ),
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64)],
        default="UTC",
        description="An IANA name such as Europe/Berlin or America/New_York.",
    )
    language = SelectField(
        "Certificate language",
        choices=[SelectChoice(code, name) for code, name in LANGUAGES],
        default="en",
        description="The language of the certificate's date and of its PDF.",
    )
    starts_at = DateTimeLocalField(
        "Starts",
        format=TIME_FORMAT,
        validators=[InputRequired("Give a start date and time.")],
        description=f"Between the years {MIN_YEAR} and {MAX_YEAR}.",
    )
    ends_at = DateTimeLocalField(
        "Ends", format=TIME_FORMAT, validators=[InputRequired("Give an end date and time.")]
    )
    submit = SubmitField("Save event")

    def validate_timezone(self, field: StringField) -> None:
        if not is_timezone((field.data or "").strip()):
            raise ValidationError(
                f"Unknown time zone {field.data!r}; use an IANA name such as Europe/Paris."
            )

    def zone_name(self) -> str | None:
        name = (self.timezone.data or "").strip()
        return name if is_timezone(name) else None

    def validate_starts_at(self, field: DateTimeLocalField) -> None:
        zone = self.zone_name()
        problem = local_time_problem(field.data, zone) if zone and field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        zone = self.zone_name()
        if not (zone and field.data):
            return
        problem = local_time_problem(field.data, zone)
        if problem:
            raise ValidationError(problem)
        start = self.starts_at.data
        # Compared in UTC: around a clock change wall-clock order can mislead.
        if (
            start
            and not local_time_problem(start, zone)
            and to_utc(field.data, zone) <= to_utc(start, zone)
        ):
            raise ValidationError("The end must come after the start.")


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected POST for deletions and toggles."""

    submit = SubmitField("Confirm")
