"""Public documents a verifier resolves: keys, issuer profiles, achievements, credentials."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, jsonify, render_template, request

from app.credentials.badge import CONTEXT, MEDIA_TYPE, achievement, issuer_profile

bp = Blueprint("credentials", __name__)


def _root() -> str:
    from app.certificates.issuing import verify_base

    return (verify_base() or request.url_root).rsplit("/verify/", 1)[0].rstrip("/")


@bp.get("/.well-known/jwks.json")
def jwks():
    """The current public key and every previous one (rotation keeps old credentials valid)."""
    from app.credentials.keys import signing_key

    response = jsonify(keys=list(signing_key().published))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/credentials/issuers/<int:organizer_id>")
def issuer(organizer_id: int):
    from app.auth.models import Organizer
    from app.extensions import db

    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None:
        abort(404, description="No issuer has this number.")
    return jsonify(issuer_profile(_root(), organizer.id, organizer.issuer_name))


@bp.get("/credentials/achievements/<int:event_id>")
def event_achievement(event_id: int):
    from app.certificates.issuing import event_date_text
    from app.events.models import Event
    from app.extensions import db

    event = db.session.get(Event, event_id)
    if event is None:
        abort(404, description="No achievement has this number.")
    document = achievement(_root(), event.id, event.title, event_date_text(event))
    return jsonify({"@context": CONTEXT, **document})


@bp.get("/credentials/<code>")
def credential(code: str):
    """The signed credential (`application/vc+jwt`); `?format=json` gives its payload."""
    from app.certificates.queries import certificate_by_code

    certificate = certificate_by_code(code)
    if certificate is None or not certificate.credential_jws:
        abort(404, description="No credential has this code.")
    token = certificate.credential_jws
    if request.args.get("format") == "json":
        payload = token.split(".")[1]
        body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        return Response(body, mimetype="application/json")
    response = Response(token, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="credential-{code}.jwt"'
    return response


@bp.get("/credentials/status/<int(min=0):number>")  # lists count from 0
def status_list(number: int):
    """Bitstring Status List credential, made from the rows on each request, so revoking
    and un-revoking change it at once; RS256 makes it the same bytes while nothing changes."""
    from app.credentials.badge import LIST_BITS, sign_with_current_key, status_list_credential
    from app.credentials.status import revoked_indexes

    first = number * LIST_BITS
    ids = revoked_indexes(first, first + LIST_BITS)
    root = _root()
    document = status_list_credential(root, number, [i - first for i in ids], root)
    token = sign_with_current_key(document)
    if token is None:
        abort(503, description="Credentials are off: CREDENTIAL_SIGNING_KEY is not usable.")
    response = Response(token, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/verify/credential", methods=["GET", "POST"])
def check():
    """Anyone can upload a credential (baked PNG, .jwt, or JSON wrapping one) and see
    whether this issuer vouches for it, and if not, precisely why."""
    from app.credentials.forms import MAX_UPLOAD_BYTES, CheckCredentialForm
    from app.credentials.verify import Unreadable, token_from_upload, verify_token
    from app.database import utcnow

    form = CheckCredentialForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("pages/verify_credential.html", form=form), status
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1) if upload else (form.text.data or "").encode()
    try:
        if not data.strip():
            raise Unreadable("Choose a file or paste a credential: nothing was sent.")
        if len(data) > MAX_UPLOAD_BYTES:
            raise Unreadable(f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
        token = token_from_upload(data)
    except Unreadable as exc:
        form.file.errors = [str(exc)]
        return render_template("pages/verify_credential.html", form=form), 400
    verdict = verify_token(token, _root(), utcnow())
    return render_template("pages/verify_credential.html", form=form, verdict=verdict)
