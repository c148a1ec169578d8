"""The verify page as a holder shares it, and the organizer's certificate list."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.models import Certificate
from tests.certificates.conftest import BASE_URL
from tests.certificates.test_issue_and_verify import issue_all
from tests.conftest import csrf_token


@pytest.fixture
def storage_kind() -> str:
    return "local"  # both backends are covered by test_issue_and_verify


def meta(html: str, name: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def set_display_name(client, name: str):
    token = csrf_token(client, "/auth/settings")
    return client.post("/auth/settings", data={"display_name": name, "csrf_token": token})


def test_the_issuer_is_the_display_name_not_the_email(app, client, ended_event):
    assert set_display_name(client, "Athens Data Society").status_code == 302
    code = issue_all(client, app, ended_event)[0]
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Athens Data Society" in html and "org@example.org" not in html
    with app.app_context():
        assert db.session.query(Certificate).filter_by(code=code).one().issuer == (
            "Athens Data Society"
        )
    assert set_display_name(client, "x" * 201).status_code == 400


def test_verify_page_shares_the_certificate(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    page_url = f"{BASE_URL}/verify/{code}"
    image_url = f"http://localhost/verify/{code}/certificate.png"
    assert meta(html, "og:url") == page_url and meta(html, "og:image") == image_url
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == image_url
    image = client.get(f"/verify/{code}/certificate.png")
    assert image.status_code == 302
    assert client.get(image.headers["Location"]).data.startswith(b"\x89PNG")

    link = unescape(re.search(r'href="([^"]+)"[^>]*>Add to LinkedIn profile', html).group(1))
    parts = urlsplit(link)
    query = {key: value[0] for key, value in parse_qs(parts.query).items()}
    assert f"{parts.netloc}{parts.path}" == "www.linkedin.com/profile/add"
    assert query["startTask"] == "CERTIFICATION_NAME" and query["name"] == "Ended <b>Workshop</b>"
    assert query["organizationName"] == "org@example.org"
    assert query["certUrl"] == page_url and query["certId"] == code
    assert query["issueYear"].isdigit() and query["issueMonth"].isdigit()


def csp_allows(policy: str, directive: str, url: str) -> bool:
    """Whether a CSP source list lets the page load `url` (scheme://host[:port],
    `*.` host wildcards and 'self' for the test client's http://localhost)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    sources = next(d.split()[1:] for d in policy.split(";") if d.split()[0] == directive)
    for source in sources:
        if source == "'self'" and origin == "http://localhost":
            return True
        scheme, _, host = source.partition("://")
        if scheme == parts.scheme and (
            host == parts.netloc or (host.startswith("*.") and parts.netloc.endswith(host[1:]))
        ):
            return True
    return False


@pytest.mark.parametrize("storage_kind", ["s3"])
def test_the_page_may_show_its_image_from_object_storage(app, client, ended_event):
    """The page's image redirects to a signed storage link; a browser checks that
    redirect against img-src too, so the policy must name the storage's origin."""
    code = issue_all(client, app, ended_event)[0]
    page = client.get(f"/verify/{code}")
    policy = page.headers["Content-Security-Policy"]
    src = re.search(r'<img[^>]+src="([^"]+certificate\.png)"', page.get_data(as_text=True))
    assert src and csp_allows(policy, "img-src", f"http://localhost{unescape(src[1])}")
    target = client.get(f"/verify/{code}/certificate.png").headers["Location"]
    assert not target.startswith("http://localhost"), target  # really the bucket
    assert csp_allows(policy, "img-src", target), (target, policy)


def test_a_revoked_certificate_shows_no_image(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    with app.app_context():
        certificate = db.session.query(Certificate).filter_by(code=code).one()
        token = csrf_token(client, f"/events/{ended_event}")
        client.post(
            f"/events/{ended_event}/certificates/{certificate.id}/revoke",
            data={"csrf_token": token, "reason": "Wrong person"},
        )
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Revoked" in html and meta(html, "og:image") is None
    assert "certificate.png" not in html and "linkedin" not in html
    assert client.get(f"/verify/{code}/certificate.png").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/verify?code=LAU-2222-3333-4444-5555", 404, "No certificate has the code"),
        ("/verify/LAU-2222-3333-4444-5555", 404, "No certificate has the code"),
        ("/verify?code=hello", 400, "That is not a certificate code"),
        ("/verify/hello", 404, "That is not a certificate code"),
    ],
)
def test_failed_checks_stay_on_the_form(client, path, status, message):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html and "<h1>Verify a certificate</h1>" in html
    assert 'aria-invalid="true"' in html


def test_certificate_list_as_csv(app, client, ended_event):
    codes = issue_all(client, app, ended_event)
    response = client.get(f"/events/{ended_event}/certificates/export.csv")
    assert response.mimetype == "text/csv"
    assert "certificates-ended-b-workshop-b-event-" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["code"] for row in rows) == codes
    # sorted as people sort: Latin before Cyrillic; a formula-looking name is neutralised
    assert [row["holder"][:3] for row in rows] == ["Ada", "Бор"]
    assert {row["status"] for row in rows} == {"valid"}
    assert all(row["verify_url"] == f"{BASE_URL}/verify/{row['code']}" for row in rows)


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
