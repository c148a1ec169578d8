"""EMAIL_URL: every transport, and a wrong value as a named problem, never a crash."""

from __future__ import annotations

import pytest

from app.config import load_config


def mail(env: dict[str, str], production: bool = True):
    config = load_config(
        {"LAUREL_ENV": "production" if production else "development", **env}, "/nonexistent"
    )
    problems = [p for p in config["CONFIG_PROBLEMS"] if p.setting == "EMAIL_URL"]
    return config["MAIL"], problems


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://mail.example:2525", "plain", 2525),
        ("smtp://mail.example?starttls=true", "starttls", 587),
        ("smtp+starttls://u:p%40ss@smtp.example", "starttls", 587),
        ("smtps://u:p@smtp.example", "tls", 465),
    ],
)
def test_smtp_urls(url, security, port):
    settings, problems = mail({"EMAIL_URL": url, "EMAIL_FROM": "a@b.example"})
    assert problems == []
    assert (settings.kind, settings.security, settings.port) == ("smtp", security, port)
    if "p%40ss" in url:
        assert settings.password == "p@ss"


def test_resend_url():
    settings, problems = mail({"EMAIL_URL": "resend://re_123@", "EMAIL_FROM": "a@b.example"})
    assert problems == [] and settings.kind == "api"
    assert (settings.password, settings.api_base) == ("re_123", "https://api.resend.com")


def test_without_a_transport_production_sends_nothing_and_development_keeps_mail():
    assert mail({})[0].kind == "off" and mail({})[1] == []
    assert mail({}, production=False)[0].kind == "outbox"


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"EMAIL_URL": "gmail://x", "EMAIL_FROM": "a@b.example"}, "unsupported scheme"),
        ({"EMAIL_URL": "smtps://u:p@smtp.example"}, "EMAIL_FROM"),
        ({"EMAIL_URL": "smtp://:25", "EMAIL_FROM": "a@b.example"}, "names no host"),
        ({"EMAIL_URL": "smtp://h:port", "EMAIL_FROM": "a@b.example"}, "port"),
        ({"EMAIL_URL": "resend://", "EMAIL_FROM": "a@b.example"}, "API key"),
        ({"EMAIL_URL": "resend://k@?base=file:///etc", "EMAIL_FROM": "a@b.example"}, "http"),
    ],
)
def test_a_wrong_setting_is_a_named_problem(env, words):
    settings, problems = mail(env)
    assert settings.kind == "off"
    (problem,) = problems
    assert words in problem.message


def test_readyz_says_email_is_off(client, app):
    from app.mail.settings import MailSettings

    app.config["MAIL"] = MailSettings("off")
    body = client.get("/readyz").get_json()
    assert "off" in str(body) and "EMAIL_URL" in str(body)
