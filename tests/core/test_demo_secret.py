"""`flask demo seed` keeps a development key under instance/ only when no
SECRET_KEY is set: with one set (compose, the image tests) the container's
filesystem stays read-only."""

from __future__ import annotations

from app.demo.cli import ensure_secret_key


def test_no_key_file_is_written_when_secret_key_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "set-by-the-environment-0123456789")
    ensure_secret_key(tmp_path / "instance")
    assert not (tmp_path / "instance").exists()


def test_a_key_file_is_kept_when_secret_key_is_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    ensure_secret_key(tmp_path / "instance")
    key = (tmp_path / "instance" / "secret_key").read_text()
    ensure_secret_key(tmp_path / "instance")
    assert len(key) == 64 and (tmp_path / "instance" / "secret_key").read_text() == key
