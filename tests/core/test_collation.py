"""Names sorted and folded as people expect them."""

from __future__ import annotations

from app.collation import ascii_slug, sort_key


def test_accented_letters_sort_with_their_base_letter():
    names = ["Zoë", "Łukasz", "Çelik", "Ελένη", "Bob", "cem", "Dora", "Øystein", "Oscar", "Алла"]
    assert sorted(names, key=sort_key) == [
        "Bob", "Çelik", "cem", "Dora", "Łukasz", "Oscar", "Øystein", "Zoë", "Ελένη", "Алла",
    ]  # fmt: skip


def test_slugs_are_ascii_and_safe():
    assert ascii_slug("José Álvarez-Núñez") == "jose-alvarez-nunez"
    assert ascii_slug('../evil"; name') == "evil-name"
    assert ascii_slug("Ελένη") == ""
    assert len(ascii_slug("a" * 500)) == 60
