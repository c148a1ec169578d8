"""`/healthz` touches nothing; `/readyz` checks every dependency."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.health.checks import run_checks

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    results = run_checks()
    ready = all(result["ok"] for result in results.values())
    body = {
        "status": "ready" if ready else "not ready",
        "platform": current_app.config["PLATFORM"],
        "checks": results,
    }
    return jsonify(body), 200 if ready else 503
