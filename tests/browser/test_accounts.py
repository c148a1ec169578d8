"""Signing in and out, settings, and the closed sign-up page, in Chromium."""

from __future__ import annotations

from tests.browser import seed
from tests.browser.support import PASSWORD, expect


def test_sign_in_settings_and_sign_out(browse, site):
    page = browse.page
    email = seed.organizer(site)
    browse.goto("/")
    browse.check("home")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.request.get(browse.url("/favicon.ico")).status == 200

    page.get_by_role("link", name="Sign in").first.click()
    browse.check("sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    browse.expect_error(401, "/auth/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page.locator(".flash")).to_be_focused()
    browse.check("sign-in-refused")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(browse.url("/events/"))
    browse.check("events-none")

    page.get_by_role("link", name=email).click()
    browse.check("settings")
    page.get_by_label("Name shown as the issuer").fill("Athens Data Society")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Athens Data Society")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(browse.url("/"))
    expect(page.get_by_text("Signed out.")).to_be_visible()
    browse.goto("/events/")
    assert page.url.startswith(browse.url("/auth/login"))


def test_closed_sign_up_speaks_to_people(browse):
    browse.goto("/auth/signup", status=403)
    text = browse.page.inner_text("main")
    assert "Ask the person who runs this Laurel site" in text
    assert "flask" not in text and "SIGNUP_OPEN" not in text
    browse.check("sign-up-closed")
