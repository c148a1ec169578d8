"""An organizer's whole event in Chromium: create, edit, participants, attendance,
design, background, issue one, Issue now, downloads, CSV, revoke."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from tests.browser import seed
from tests.browser.support import Browsing, expect

# Enough attendees for more than one of the checker's batches and of the page's rounds.
NAMES = [
    "Zoë Adams", "Łukasz Nowak", "Çelik Ayşe", "Ελένη Κωνσταντίνου", "Алексей Петров",
    "Dora Brown", "Anna Müller", "Émile Zola", "Bob Stone", "Øystein Berg",
    "Maria Silva", "Cem Yılmaz", "Nina Novak", "Olaf Olsen", "Paula Pérez",
    "Quinn Reyes", "Rita Ruiz", "Sam Lee", "Tara Singh", "Uma Rao",
    "Vera Ivanova", "Wim de Vries", "Xavier Dupont", "Yara Haddad",
]  # fmt: skip
CODE = re.compile(r"LAU(?:-[0-9A-Z]{4}){4}")


def participants_csv() -> bytes:
    lines = ["name,email,attended"] + [
        f"{name},person{i}@example.org,yes" for i, name in enumerate(NAMES)
    ]
    return "\n".join(lines).encode()


def background_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1400, 990), (236, 244, 240))
    ImageDraw.Draw(image).rectangle([30, 30, 1370, 960], outline=(47, 107, 79), width=12)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def saved_download(page, click) -> tuple[str, bytes]:
    with page.expect_download() as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_an_event_from_creation_to_revocation(browse, site):
    page = browse.page
    browse.sign_in(seed.organizer(site))
    browse.check("events-none")
    now = datetime.now()

    # --- create, with a mistake first ---------------------------------------------
    page.get_by_role("link", name="New event").click()
    browse.check("event-new")
    browse.expect_error(400, "/events/new")
    page.get_by_role("button", name="Save event").click()
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    browse.check("event-new-errors")
    title.fill("Data Nigth")
    page.get_by_label("Time zone").fill("Europe/Athens")
    page.get_by_label("Starts").fill(local(now - timedelta(days=1, hours=4)))
    page.get_by_label("Ends").fill(local(now - timedelta(days=1)))
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("Event created.")).to_be_visible()
    event_url = page.url
    browse.check("event-empty")

    page.get_by_role("link", name="Edit").click()
    browse.check("event-edit")
    page.get_by_label("Title").fill("Data Night 2026")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", name="Data Night 2026")).to_be_visible()

    # --- participants: one by one, then a CSV (a broken one first) -------------------
    page.get_by_role("link", name="Add", exact=True).click()
    browse.check("participant-new")
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_role("button", name="Save participant").click()
    expect(page.get_by_text("Added Ada Lovelace.")).to_be_visible()

    page.get_by_role("link", name="Import CSV").click()
    browse.check("import")
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": b"name;mail\nAda;x\n"}
    )
    browse.expect_error(400, "/participants/import")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    browse.check("import-errors")
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": participants_csv()}
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text(f"Imported {len(NAMES)} participants.")).to_be_visible()

    rows = page.locator("#participant-table tbody tr td:first-child").all_inner_texts()
    assert rows.index("Çelik Ayşe") < rows.index("Cem Yılmaz") < rows.index("Dora Brown")
    assert rows.index("Łukasz Nowak") < rows.index("Maria Silva") < rows.index("Zoë Adams")
    assert rows.index("Øystein Berg") < rows.index("Paula Pérez")
    assert rows.index("Zoë Adams") < rows.index("Ελένη Κωνσταντίνου") < rows.index("Алексей Петров")
    browse.check("event")

    # --- attendance changes in place: no reload, no jump, focus kept ------------------
    toggle = page.get_by_role("button", name="Ada Lovelace attended: no")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.scroll_into_view_if_needed()
    page.evaluate("window.__samePage = true")
    scrolled = page.evaluate("window.scrollY")
    toggle.click()
    toggle = page.locator("#participant-table tr", has_text="Ada Lovelace").locator("button.toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_accessible_name("Ada Lovelace attended: ✓ yes")
    expect(toggle).to_be_focused()
    expect(page.locator("[data-attended-count]")).to_have_text(str(len(NAMES) + 1))
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate("window.scrollY") == scrolled
    browse.check("event-attendance", screenshot=False)  # looks like "event"

    # --- design: live preview, a wrong layout, a background refused and one accepted -
    page.get_by_role("link", name="Design").click()
    browse.check("design")
    page.get_by_text("Advanced: the layout as JSON").click()
    layout = page.get_by_label("Layout (JSON)")
    layout.fill(layout.input_value().replace("This certifies that", "We are glad that"))
    # Not wait_for_function: a string predicate is eval, which the page's CSP refuses.
    expect(page.locator("#preview")).to_have_attribute("src", re.compile(r"^blob:"))
    layout.fill("{")
    browse.expect_error(400, "/design/layout")
    page.get_by_role("button", name="Save layout").click()
    expect(page.get_by_text("The layout was not saved")).to_be_visible()
    browse.check("design-layout-errors")

    background = page.get_by_label("Background image")
    background.set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image at all"}
    )
    browse.expect_error(400, "/design/background")
    page.get_by_role("button", name="Upload background").click()
    expect(page.get_by_text("That background cannot be used")).to_be_visible()
    expect(page.get_by_role("heading", name="Certificate design")).to_be_visible()
    expect(page.get_by_label("Background image")).to_have_attribute("aria-invalid", "true")
    browse.check("design-background-refused")
    page.get_by_label("Background image").set_input_files(
        {"name": "green.png", "mimeType": "image/png", "buffer": background_png()}
    )
    page.get_by_role("button", name="Upload background").click()
    expect(page.get_by_text("Background saved.")).to_be_visible()
    expect(page.get_by_text("This event uses an uploaded background.")).to_be_visible()
    browse.check("design-background")

    # --- issue one, then Issue now with the bar moving --------------------------------
    page.goto(event_url)
    page.get_by_role("button", name="Issue the certificate of Ada Lovelace").click()
    expect(page.get_by_text(re.compile(r"Issued LAU-.* to Ada Lovelace\."))).to_be_visible()
    total = len(NAMES) + 1
    expect(page.locator("[data-issue-issued]")).to_have_text("1")
    page.evaluate(
        """() => {
            const seen = [];
            const target = document.querySelector("[data-issue-issued]");
            new MutationObserver(() => {
                seen.push(Number(target.textContent));
                sessionStorage.setItem("progress", JSON.stringify(seen));
            }).observe(target, {childList: true, characterData: true, subtree: true});
        }"""
    )
    with page.expect_navigation(timeout=120_000):
        page.get_by_role("button", name="Issue now").click()
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
    moving = sorted({n for n in seen if 1 < n < total})
    assert len(moving) >= 2, f"the bar did not move: {seen}"
    expect(page.get_by_text(f"{total} of {total} certificates issued.")).to_be_visible()
    assert page.locator("[data-issue-issued]").inner_text() == str(total)
    browse.check("event-issued")

    # --- downloads: PNG, PDF, ZIP and the certificate list ----------------------------
    name, body = saved_download(page, page.get_by_role("link", name="PNG of Çelik Ayşe").click)
    assert re.fullmatch(r"certificate-celik-ayse-LAU(-[0-9A-Z]{4}){4}\.png", name), name
    assert body.startswith(b"\x89PNG")
    name, body = saved_download(
        page, page.get_by_role("link", name="PDF of Ελένη Κωνσταντίνου").click
    )
    assert re.fullmatch(r"certificate-LAU(-[0-9A-Z]{4}){4}\.pdf", name), name
    assert body.startswith(b"%PDF")
    name, body = saved_download(page, page.get_by_role("link", name="Download all (ZIP)").click)
    assert name.startswith("certificates-data-night-2026-event-") and name.endswith(".zip")
    members = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert len(members) == len(set(members)) == 2 * total
    assert any(m.startswith("certificate-lukasz-nowak-LAU-") for m in members)
    name, body = saved_download(page, page.get_by_role("link", name="Certificate list (CSV)").click)
    table = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(table) == total and set(table[0]) >= {"holder", "code", "status", "verify_url"}
    ada = next(row for row in table if row["holder"] == "Ada Lovelace")
    assert ada["status"] == "valid" and ada["verify_url"] == f"{site.base_url}/verify/{ada['code']}"

    # --- revoke -----------------------------------------------------------------------
    row = page.locator("#certificate-table tr", has_text="Ada Lovelace")
    row.get_by_text("Revoke", exact=True).first.click()
    row.get_by_label("Why revoke the certificate of Ada Lovelace").fill("Issued by mistake")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text(f"Revoked {ada['code']}.")).to_be_visible()
    expect(page.locator("#certificate-table tr", has_text="Ada Lovelace")).to_contain_text(
        "revoked"
    )
    browse.check("event-revoked")
    assert CODE.fullmatch(ada["code"])


def test_attendance_works_without_javascript(chromium, site):
    """The toggle is a form: with scripts off it posts, and the page comes back to the row."""
    event = seed.ended_event(site, seed.organizer(site), NAMES[:12], issue=False)
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        browse = Browsing(context.new_page(), site, "phone-no-js")
        browse.sign_in(event.email)
        browse.goto(f"/events/{event.event_id}")
        row = browse.page.locator("#participant-table tr", has_text="Zoë Adams")
        with browse.page.expect_navigation():
            row.get_by_role("button", name="Zoë Adams attended: ✓ yes").click()
        assert re.search(r"#participant-\d+$", browse.page.url), browse.page.url
        toggle = row.locator("button.toggle")
        expect(toggle).to_have_accessible_name("Zoë Adams attended: no")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert browse.page.evaluate("window.scrollY") > 0  # back at the row, not the top
        browse.assert_console_clean()
    finally:
        context.close()
