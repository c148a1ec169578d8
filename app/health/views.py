"""`/healthz` touches nothing; `/readyz` checks every dependency."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.health.checks import run_checks
from app.security.bearer import bearer_matches

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


def shows_details() -> bool:
    """Details (bucket, endpoint, folder, errors) only for the cron bearer."""
    secret = current_app.config.get("CRON_SECRET")
    return bool(secret) and bearer_matches(request.headers.get("Authorization"), secret)


@bp.get("/readyz")
def readyz():
    results = run_checks(details=shows_details())
    ready = all(result["ok"] for result in results.values())
    body = {
        "status": "ready" if ready else "not ready",
        "platform": current_app.config["PLATFORM"],
        "checks": results,
    }
    return jsonify(body), 200 if ready else 503
