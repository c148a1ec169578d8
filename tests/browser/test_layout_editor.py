"""The visual layout editor at 1280 px: drag a field, undo, move it from the keyboard,
save; the preview follows, the JSON view round-trips, axe finds nothing. Branding: a
logo, a second signature placed by the editor, the issuer's logo on the verify page."""

from __future__ import annotations

import json
import re

from tests.browser import seed
from tests.browser.support import Browsing, expect


def field_at(page, index: int) -> dict:
    return json.loads(page.locator("#layout").input_value())["fields"][index]


def test_drag_undo_keyboard_and_save(chromium, site):
    event = seed.ended_event(site, seed.organizer(site), ["Ada Lovelace"], issue=False)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        browse = Browsing(context.new_page(), site, "desktop")
        page = browse.page
        browse.sign_in(event.email)
        browse.goto(f"/events/{event.event_id}/design")
        saved = page.locator("#layout").input_value()
        boxes = page.locator("#stage .box")
        expect(boxes).to_have_count(len(json.loads(saved)["fields"]))
        browse.check("design-editor")

        # Drag the participant's name (the third field) down by a tenth of the stage.
        name = boxes.nth(2)
        before = field_at(page, 2)
        stage = page.locator("#stage").bounding_box()
        box = name.bounding_box()
        start = (box["x"] + box["width"] / 4, box["y"] + box["height"] / 2)
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(start[0], start[1] + stage["height"] * 0.05, steps=4)
        page.mouse.move(start[0], start[1] + stage["height"] * 0.1, steps=4)
        page.mouse.up()
        dragged = field_at(page, 2)
        assert abs(dragged["y"] - before["y"] - 0.1) < 0.01, dragged
        assert dragged["x"] == before["x"]  # the centre guide held it
        expect(page.locator("#preview")).to_have_attribute("src", re.compile("^blob:"))

        page.get_by_role("button", name="Undo").click()
        assert page.locator("#layout").input_value() == saved  # exactly the text it was
        page.get_by_role("button", name="Redo").click()
        assert field_at(page, 2) == dragged
        page.get_by_role("button", name="Undo").click()

        # Keyboard: the focused box moves 0.002 per arrow, 0.02 with Shift.
        name.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Shift+ArrowUp")
        moved = field_at(page, 2)
        assert round(moved["x"] - before["x"], 4) == 0.002
        assert round(before["y"] - moved["y"], 4) == 0.02
        shown = page.locator("#preview").get_attribute("src")
        expect(page.locator("#preview")).not_to_have_attribute("src", shown)

        # Properties: the name in the sans font.
        page.get_by_role("combobox", name="Font", exact=True).select_option("sans")
        assert field_at(page, 2)["font"] == "sans"
        browse.check("design-editor-edited")

        page.get_by_role("button", name="Save layout").click()
        expect(page.get_by_text("Layout saved")).to_be_visible()
        stored = field_at(page, 2)
        assert stored["font"] == "sans" and stored["y"] == moved["y"]
        browse.assert_console_clean()
    finally:
        context.close()


def upload_logo(browse: Browsing, email: str, tmp_path) -> None:
    """Signed in, the sample logo uploaded on the branding page (straight to storage)."""
    from tests.rendering.branded import logo_png

    logo = tmp_path / "logo.png"
    logo.write_bytes(logo_png())
    browse.sign_in(email)
    browse.goto("/settings/branding/")
    browse.page.get_by_label("Logo image").set_input_files(str(logo))
    browse.page.get_by_role("button", name="Upload logo").click()
    expect(browse.page.get_by_text("Logo saved")).to_be_visible()


def test_branding_upload_and_a_branded_design(chromium, site, tmp_path):
    """A logo uploaded on the branding page (straight to storage), the Branded design
    applied: the editor draws its logo and signature boxes and the preview shows them."""
    event = seed.ended_event(site, seed.organizer(site), ["Ada Lovelace"], issue=False)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        browse = Browsing(context.new_page(), site, "desktop")
        page = browse.page
        upload_logo(browse, event.email, tmp_path)
        expect(page.get_by_role("img", name="Your logo")).to_be_visible()
        browse.check("branding")
        page.get_by_label("Signer's name").fill("Grace Hopper")
        page.get_by_role("button", name="Save signer").click()
        expect(page.get_by_text("Signer of signature 1 saved")).to_be_visible()

        browse.goto(f"/events/{event.event_id}/design")
        page.get_by_label("Start from").select_option("builtin:branded")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Apply design").click()
        expect(page.get_by_text("Applied Branded")).to_be_visible()
        types = [f["type"] for f in json.loads(page.locator("#layout").input_value())["fields"]]
        assert types[0] == "logo" and "signature" in types
        expect(page.locator("#stage .box")).to_have_count(len(types))
        logo_box = page.get_by_role("button", name=re.compile(r"^1\. Logo: arrow keys"))
        expect(logo_box).to_be_visible()
        preview = page.locator("#preview")
        expect(preview).to_have_js_property("complete", True)
        expect(preview).not_to_have_js_property("naturalWidth", 0)
        browse.check("design-branded")
        browse.assert_console_clean()
    finally:
        context.close()


def test_a_second_signature_placed_and_the_issuer_logo_on_the_verify_page(chromium, site, tmp_path):
    """Signature 2 added on the branding page (image straight to storage, its signer
    named); in the designer it is added from the field list, chosen in the properties
    panel, its signer's name placed as text, saved; the verify page shows the logo."""
    from tests.rendering.branded import second_signature_png, signature_png

    email = seed.organizer(site, display_name="Analytical Society")
    event = seed.ended_event(site, email, ["Ada Lovelace"], issue=True)
    files = {}
    for name, content in (("one", signature_png()), ("two", second_signature_png())):
        files[name] = tmp_path / f"{name}.png"
        files[name].write_bytes(content)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        browse = Browsing(context.new_page(), site, "desktop")
        page = browse.page
        upload_logo(browse, email, tmp_path)
        page.get_by_label("Signature 1 image").set_input_files(str(files["one"]))
        page.get_by_role("button", name="Upload signature 1").click()
        expect(page.get_by_text("Signature 1 saved")).to_be_visible()

        page.get_by_role("button", name="Add a signature").click()
        expect(page.get_by_text("Signature 2 added")).to_be_visible()
        second = page.locator("#signature-2")
        second.get_by_label("Signature 2 image").set_input_files(str(files["two"]))
        second.get_by_role("button", name="Upload signature 2").click()
        expect(page.get_by_text("Signature 2 saved")).to_be_visible()
        second = page.locator("#signature-2")
        second.get_by_label("Signer's name").fill("Charles Babbage")
        second.get_by_label("Signer's title").fill("Treasurer")
        second.get_by_role("button", name="Save signer").click()
        expect(page.get_by_text("Signer of signature 2 saved")).to_be_visible()
        expect(page.get_by_role("img", name="Your signature 2, by Charles Babbage")).to_be_visible()
        browse.check("branding-signatures")

        browse.goto(f"/events/{event.event_id}/design")
        count = len(json.loads(page.locator("#layout").input_value())["fields"])
        page.get_by_label("New field").select_option(label="Signature 2 (Charles Babbage)")
        page.get_by_role("button", name="Add field").click()
        added = field_at(page, count)
        assert (added["type"], added["signer"]) == ("signature", 2)
        box = page.get_by_role(
            "button", name=re.compile(rf"^{count + 1}\. Signature 2 \(Charles Babbage\): arrow")
        )
        expect(box).to_be_focused()
        chooser = page.get_by_role("combobox", name="Signature", exact=True)
        expect(chooser).to_have_value("2")
        # Signature 1 is the default: the JSON says nothing, as the server writes it.
        chooser.select_option("1")
        assert "signer" not in field_at(page, count)
        page.get_by_role("button", name="Undo").click()
        assert field_at(page, count)["signer"] == 2
        box.focus()
        page.keyboard.press("Shift+ArrowRight")
        assert field_at(page, count)["x"] == 0.52

        page.get_by_label("New field").select_option(label="Name of the signer of signature 2")
        page.get_by_role("button", name="Add field").click()
        assert field_at(page, count + 1)["text"] == "{signer_2_name}"
        preview = page.locator("#preview")
        expect(preview).to_have_attribute("src", re.compile("^blob:"))
        expect(page.locator("#preview-status")).to_have_text("")
        browse.check("design-second-signature")
        page.get_by_role("button", name="Save layout").click()
        expect(page.get_by_text("Layout saved")).to_be_visible()
        stored = field_at(page, count)
        assert (stored["type"], stored["signer"], stored["x"]) == ("signature", 2, 0.52)

        browse.goto(f"/verify/{event.codes['Ada Lovelace']}")
        logo = page.get_by_role("img", name="Logo of Analytical Society")
        expect(logo).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=logo.element_handle()
        )
        browse.check("verify-issuer-logo")
        browse.assert_console_clean()
    finally:
        context.close()
