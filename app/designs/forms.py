"""Applying a design to an event, and saving an event's layout as a design."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class ApplyForm(FlaskForm):
    # Choices are set per request: "builtin:<key>", "design:<id>", "event:<id>".
    source = SelectField("Start from", validators=[DataRequired()], validate_choice=True)
    submit = SubmitField("Apply design")


class SaveDesignForm(FlaskForm):
    name = StringField(
        "Design name",
        validators=[DataRequired("Give the design a name."), Length(max=100)],
        description="Saving under a name you already use replaces that design.",
    )
    submit = SubmitField("Save as a design")
