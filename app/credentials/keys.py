"""The issuer's signing key, from `CREDENTIAL_SIGNING_KEY` (a PEM or a JWK).

In development, without the setting, a key is made once under `instance/`. In
production a missing or weak key turns credentials off and is reported (readiness,
the event page), never raised. `CREDENTIAL_PREVIOUS_KEYS` (a JSON list of public
JWKs, or PEMs) stays published after a rotation, so credentials signed with an old
key still verify.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

SETTING = "CREDENTIAL_SIGNING_KEY"
PREVIOUS = "CREDENTIAL_PREVIOUS_KEYS"
MIN_RSA_BITS = 2048
_DEV_KEY_FILE = "credential-signing-key.pem"
_lock = threading.Lock()


@dataclass(frozen=True)
class SigningKey:
    key: object | None  # a joserfc RSAKey, None when credentials are off
    kid: str | None
    problem: str | None = None
    published: tuple[dict, ...] = field(default_factory=tuple)  # public JWKs, newest first


def _import(text: str):
    from joserfc.jwk import RSAKey

    text = text.strip()
    if text.startswith("{"):
        return RSAKey.import_key(json.loads(text))
    return RSAKey.import_key(text.replace("\\n", "\n").encode())


def _public_jwk(key) -> dict:
    jwk = key.as_dict(private=False)
    jwk.update(kid=key.thumbprint(), use="sig", alg="RS256")
    return jwk


def _weakness(key) -> str | None:
    if key.key_type != "RSA":
        return f"{SETTING} must be an RSA key"
    if not key.is_private:
        return f"{SETTING} holds a public key; it needs the private key"
    bits = key.raw_value.key_size
    if bits < MIN_RSA_BITS:
        return f"{SETTING} is a {bits}-bit RSA key; use at least {MIN_RSA_BITS} bits"
    return None


def new_private_pem(bits: int = MIN_RSA_BITS) -> str:
    """A new RSA private key as unencrypted PKCS#8 PEM, the form the setting takes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _development_key(instance: Path) -> str:
    """Made once and kept under instance/ (never the repository): development only."""
    path = instance / _DEV_KEY_FILE
    with _lock:
        if not path.exists():
            pem = new_private_pem().encode()
            instance.mkdir(parents=True, exist_ok=True)
            # Several processes may start at once: each writes its own file, the first
            # link wins and every process reads that one, never a half-written file.
            scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            scratch.write_bytes(pem)
            scratch.chmod(0o600)
            try:
                os.link(scratch, path)
            except FileExistsError:
                pass
            finally:
                scratch.unlink()
        return path.read_text()


def _previous(text: str) -> tuple[list[dict], str | None]:
    if not text.strip():
        return [], None
    try:
        items = json.loads(text)
        if not isinstance(items, list):
            raise ValueError("not a list")
        return [
            _public_jwk(_import(i if isinstance(i, str) else json.dumps(i))) for i in items
        ], None
    except Exception as exc:
        return [], f"{PREVIOUS} must be a JSON list of JWKs or PEM strings ({exc})"


def load_signing_key(config) -> SigningKey:
    text = (config.get(SETTING) or "").strip()
    if not text:
        if config.get("PRODUCTION"):
            return SigningKey(
                None,
                None,
                f"{SETTING} is not set: certificates are issued without an Open Badges credential",
            )
        try:
            text = _development_key(Path(current_app.instance_path))
        except OSError as exc:  # a read-only image (docker compose's development mode)
            return SigningKey(
                None,
                None,
                f"{SETTING} is not set and no development key can be kept under "
                f"instance/ ({exc.strerror}): certificates are issued without a credential",
            )
    try:
        key = _import(text)
    except Exception as exc:
        return SigningKey(None, None, f"{SETTING} is not a PEM or JWK RSA key ({exc})")
    if problem := _weakness(key):
        return SigningKey(None, None, problem)
    previous, problem = _previous(config.get(PREVIOUS) or "")
    current = _public_jwk(key)
    published = (current, *(j for j in previous if j["kid"] != current["kid"]))
    return SigningKey(key, current["kid"], problem, published)


def signing_key() -> SigningKey:
    """Loaded once per app (the PEM parse and thumbprint are not free)."""
    cache = current_app.extensions.setdefault("laurel.credentials", {})
    if "key" not in cache:
        cache["key"] = load_signing_key(current_app.config)
    return cache["key"]
