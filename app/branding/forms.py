"""A signer: whose signature a certificate shows, with their title. One form per
signature on the branding page, told apart by its prefix (`signature-2-name`)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.validation import Drawable


class SignerForm(FlaskForm):
    name = StringField("Signer's name", validators=[Optional(), Length(max=200), Drawable()])
    title = StringField("Signer's title", validators=[Optional(), Length(max=200), Drawable()])
    submit = SubmitField("Save signer")


def signer_form(number: int, signature=None) -> SignerForm:
    """Signature `number`'s form (the request's data when it is posted); its help
    names that signer's own placeholders."""
    from app.certificates.rendering.layout import signer_placeholders

    form = SignerForm(prefix=f"signature-{number}", obj=signature)
    name, title = signer_placeholders(number)
    form.name.description = f"Printed where a layout says {{{name}}}, e.g. under the signature."
    form.title.description = f"Printed where a layout says {{{title}}}, e.g. Programme chair."
    return form
