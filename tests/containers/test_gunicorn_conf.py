"""gunicorn.conf.py: every name is a real gunicorn setting with a valid value,
and the environment drives it as the docs say."""

from __future__ import annotations

import os
import runpy
import types
from typing import Any
from unittest import mock

import pytest

from tests.containers.dockerfile import ROOT

CONF = ROOT / "gunicorn.conf.py"


def load_conf(env: dict[str, str]) -> dict[str, Any]:
    """The settings gunicorn.conf.py defines under `env` (and nothing else)."""
    with mock.patch.dict(os.environ, env, clear=True):
        namespace = runpy.run_path(str(CONF))
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | types.FunctionType | type)
        and name not in {"annotations"}
    }


def test_every_name_is_a_gunicorn_setting_with_a_valid_value():
    from gunicorn.config import Config

    settings = load_conf({"LAUREL_CONTAINER": "1"})
    config = Config()
    unknown = sorted(set(settings) - set(config.settings))
    assert not unknown, f"gunicorn ignores unknown names silently: {unknown}"
    for name, value in settings.items():
        config.set(name, value)  # runs gunicorn's own validator


def test_defaults_in_a_container():
    conf = load_conf({"LAUREL_CONTAINER": "1"})
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["wsgi_app"] == "app:create_app()"
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2, 4, "gthread")
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["forwarded_allow_ips"] == "*"
    assert conf["control_socket_disable"] is True
    assert 0 < conf["graceful_timeout"] < 30, "must fit the platforms' 30 s grace periods"


@pytest.mark.parametrize(
    "platform", ["RENDER", "RAILWAY_ENVIRONMENT", "RAILWAY_PROJECT_ID", "FLY_APP_NAME"]
)
def test_platforms_trust_their_proxy(platform):
    assert load_conf({platform: "x"})["forwarded_allow_ips"] == "*"


def test_a_bare_host_trusts_only_loopback():
    assert load_conf({})["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_the_environment_drives_the_server():
    conf = load_conf(
        {
            "PORT": "10000",
            "WEB_CONCURRENCY": "3",
            "GUNICORN_THREADS": "8",
            "GUNICORN_GRACEFUL_TIMEOUT": "10",
            "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
            "LAUREL_CONTAINER": "1",
        }
    )
    assert conf["bind"] == ["0.0.0.0:10000"]
    assert (conf["workers"], conf["threads"], conf["graceful_timeout"]) == (3, 8, 10)
    assert conf["forwarded_allow_ips"] == "10.0.0.0/8"


def test_the_pool_size_follows_the_thread_count():
    from app.config import load_config

    conf = load_conf({"GUNICORN_THREADS": "6"})
    config = load_config(
        {"GUNICORN_THREADS": "6", "DATABASE_URL": "postgres://u:p@h/d"}, str(ROOT / "instance")
    )
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == conf["threads"] == 6
