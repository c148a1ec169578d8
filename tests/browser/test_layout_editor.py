"""The visual layout editor at 1280 px: drag a field, undo, move it from the keyboard,
save; the preview follows, the JSON view round-trips, axe finds nothing."""

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


def test_branding_upload_and_a_branded_design(chromium, site, tmp_path):
    """A logo uploaded on the branding page (straight to storage), the Branded design
    applied: the editor draws its logo and signature boxes and the preview shows them."""
    from tests.rendering.branded import logo_png

    event = seed.ended_event(site, seed.organizer(site), ["Ada Lovelace"], issue=False)
    logo = tmp_path / "logo.png"
    logo.write_bytes(logo_png())
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        browse = Browsing(context.new_page(), site, "desktop")
        page = browse.page
        browse.sign_in(event.email)
        browse.goto("/settings/branding/")
        browse.check("branding")
        page.get_by_label("Logo image").set_input_files(str(logo))
        page.get_by_role("button", name="Upload logo").click()
        expect(page.get_by_text("Logo saved")).to_be_visible()
        expect(page.get_by_role("img", name="Your logo")).to_be_visible()
        page.get_by_label("Signer's name").fill("Grace Hopper")
        page.get_by_role("button", name="Save signer").click()
        expect(page.get_by_text("Signer saved")).to_be_visible()

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
