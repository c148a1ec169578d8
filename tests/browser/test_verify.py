"""Verifying certificates as an anonymous visitor: valid, revoked, unknown, malformed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.browser import seed
from tests.browser.support import expect

UNKNOWN = "LAU-2222-3333-4444-5555"


def test_verify_page_as_a_holder_sees_it(browse, site):
    page = browse.page
    email = seed.organizer(site, display_name="Athens Data Society")
    event = seed.ended_event(site, email, ["Ελένη Παπαδοπούλου", "Zoë Adams"], issue=True)
    valid, revoked = event.codes["Ελένη Παπαδοπούλου"], event.codes["Zoë Adams"]
    seed.revoke(site, revoked, "Issued to the wrong person")

    browse.goto("/verify")
    browse.check("verify-form")
    page.get_by_label("Certificate code").fill(valid.lower().replace("-", " "))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(browse.url(f"/verify/{valid}"))
    expect(page.get_by_text("Genuine and valid")).to_be_visible()
    facts = page.inner_text("dl.facts")
    assert "Athens Data Society" in facts and email not in page.content()
    image = page.get_by_role("img", name="The certificate of Ελένη Παπαδοπούλου")
    image.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 1000", arg=image.element_handle()
    )
    meta = {
        name: page.get_attribute(f'meta[property="{name}"], meta[name="{name}"]', "content")
        for name in ("og:title", "og:image", "og:url", "twitter:card", "twitter:image")
    }
    assert meta["og:url"] == f"{site.base_url}/verify/{valid}"
    assert (
        meta["og:image"]
        == meta["twitter:image"]
        == f"{site.base_url}/verify/{valid}/certificate.png"
    )
    assert meta["twitter:card"] == "summary_large_image"
    assert page.request.get(meta["og:image"]).headers["content-type"] == "image/png"

    linkedin = urlsplit(
        page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    )
    query = {key: values[0] for key, values in parse_qs(linkedin.query).items()}
    assert (linkedin.netloc, linkedin.path) == ("www.linkedin.com", "/profile/add")
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert query["name"] == "Data Night 2026" and query["organizationName"] == "Athens Data Society"
    assert query["certUrl"] == meta["og:url"] and query["certId"] == valid
    assert query["issueYear"].isdigit() and 1 <= int(query["issueMonth"]) <= 12

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base_url)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == meta["og:url"]
    browse.check("verify-valid")

    browse.goto(f"/verify/{revoked}")
    expect(page.get_by_text("✗ Revoked")).to_be_visible()
    assert "Issued to the wrong person" in page.inner_text("dl.facts")
    assert page.locator("img.certificate").count() == 0
    assert page.locator('meta[property="og:image"]').count() == 0
    browse.expect_error(404, f"/verify/{revoked}/certificate.png")
    assert page.request.get(browse.url(f"/verify/{revoked}/certificate.png")).status == 404
    browse.check("verify-revoked")


def test_unknown_and_malformed_codes_stay_on_the_form(browse):
    page = browse.page
    browse.goto("/verify")
    field = page.get_by_label("Certificate code")
    field.fill(UNKNOWN)
    browse.expect_error(404, "/verify?code=")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/verify?code=*")
    assert f"No certificate has the code {UNKNOWN}" in page.inner_text("main")
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == UNKNOWN
    expect(field).to_be_focused()
    browse.check("verify-unknown")

    field.fill("hello")
    browse.expect_error(400, "/verify?code=")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/verify?code=hello")
    assert "That is not a certificate code" in page.inner_text("main")
    browse.check("verify-malformed")

    # The QR code's address with an unknown code: the same form and message, 404.
    browse.goto(f"/verify/{UNKNOWN}", status=404)
    assert f"No certificate has the code {UNKNOWN}" in page.inner_text("main")
    assert page.get_by_label("Certificate code").input_value() == UNKNOWN


def test_a_holder_downloads_the_credential_and_checks_it_back(browse, site, tmp_path):
    page = browse.page
    email = seed.organizer(site, display_name="Lisbon Code Club")
    event = seed.ended_event(site, email, ["Inês Carvalho"], issue=True)
    code = event.codes["Inês Carvalho"]

    browse.goto(f"/verify/{code}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Open Badge (VC-JWT)").click()
    credential = tmp_path / "credential.jwt"
    download.value.save_as(credential)

    def check_back() -> str:
        browse.goto(f"/verify/{code}")
        page.get_by_role("link", name="Check the credential it carries").click()
        page.get_by_label("Credential file").set_input_files(str(credential))
        page.get_by_role("button", name="Check credential").click()
        page.wait_for_selector("#verdict")
        return page.inner_text("#verdict")

    verdict = check_back()
    assert "✓ Verified" in verdict and "Inês Carvalho" in verdict
    browse.check("credential-verified")

    seed.revoke(site, code, "Left before the end")
    verdict = check_back()
    assert "✗ Revoked" in verdict and "Left before the end" in verdict
    browse.check("credential-revoked")
