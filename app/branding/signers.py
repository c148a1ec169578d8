"""What an organizer's signatures mean to a layout: the placeholders of their signers,
and which `signature` fields point at a signature that exists."""

from __future__ import annotations

from app.auth.models import Organizer
from app.certificates.rendering.layout import ImageField, Layout, signer_placeholders


def signer_values(owner: Organizer) -> dict[str, str]:
    """Placeholder values of the signers: signature 1's always (empty when unset: a
    layout may say `{signer_name}` before there is one), the others' where they exist."""
    values = dict.fromkeys(signer_placeholders(1), "")
    for signature in owner.signatures:
        name, title = signer_placeholders(signature.number)
        values[name] = signature.name or ""
        values[title] = signature.title or ""
    return values


def signer_placeholder_names(owner: Organizer) -> list[str]:
    """The placeholders of signatures 2 and up (signature 1's are built in)."""
    return [
        name
        for signature in owner.signatures
        if signature.number != 1
        for name in signer_placeholders(signature.number)
    ]


def missing_signatures(layout: Layout, owner: Organizer) -> list[str]:
    """One message per `signature` field naming a signature the organizer does not
    have. Signature 1 is always accepted: the Branded design places it, and it draws
    nothing until uploaded (the designer says so when the layout is saved)."""
    have = [s.number for s in owner.signatures]
    listed = ", ".join(str(n) for n in have) if have else "none yet"
    return [
        f"fields[{index}].signer: signature {field.signer} does not exist (you have: "
        f"{listed}); add it in Branding, in your settings, or choose another signer"
        for index, field in enumerate(layout.fields)
        if isinstance(field, ImageField)
        and field.type == "signature"
        and field.signer != 1
        and field.signer not in have
    ]
