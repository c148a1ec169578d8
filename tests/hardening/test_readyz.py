"""/readyz: honest about production settings, quiet to strangers, cheap to call."""

from __future__ import annotations

import pytest

from tests.hardening.conftest import BASE_URL

GOOD_SECRET = "a-cron-secret-long-enough-for-production"


def production(app_config, **overrides):
    from app import create_app

    config = {**app_config, "PRODUCTION": True, "LAUREL_ENV": "production", **overrides}
    return create_app(config)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"CRON_SECRET": None}, "CRON_SECRET"),
        ({"CRON_SECRET": "x"}, "CRON_SECRET"),
        ({"CRON_SECRET": "y" * 23}, "CRON_SECRET"),
        ({"BASE_URL": None}, "BASE_URL"),
    ],
)
def test_not_ready_without_a_usable_production_setting(app_config, overrides, named):
    client = production(app_config, **overrides).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert named in ready.get_json()["checks"]["settings"]["detail"]
    if named == "CRON_SECRET":
        cron = client.get("/api/cron/check-events", headers={"Authorization": "Bearer x"})
        assert cron.status_code == 503 and "CRON_SECRET" in cron.get_json()["message"]


def test_ready_in_production_with_every_setting(app_config):
    client = production(app_config, CRON_SECRET=GOOD_SECRET, BASE_URL=BASE_URL).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()


def test_details_only_with_the_cron_bearer(client, app_config):
    anonymous = client.get("/readyz").get_json()
    bucket = app_config["STORAGE_URL"].split("/")[2]
    text = str(anonymous)
    assert bucket not in text and app_config["S3_ENDPOINT_URL"] not in text
    for name in ("database", "migrations", "storage"):
        assert set(anonymous["checks"][name]) == {"ok"}, name
    wrong = client.get("/readyz", headers={"Authorization": "Bearer nope"}).get_json()
    assert "detail" not in wrong["checks"]["storage"]
    full = client.get("/readyz", headers={"Authorization": f"Bearer {app_config['CRON_SECRET']}"})
    assert bucket in full.get_json()["checks"]["storage"]["detail"]


def test_storage_check_is_cached_instead_of_writing_each_call(app, client, monkeypatch):
    from app.storage import get_storage

    with app.app_context():
        storage = get_storage()
    writes = []
    real_put = type(storage).put

    def counting_put(self, key, *args, **kwargs):
        writes.append(key)
        return real_put(self, key, *args, **kwargs)

    monkeypatch.setattr(type(storage), "put", counting_put)
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    assert len(writes) == 1
