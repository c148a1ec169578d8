"""The baseline Laurel's benchmarks measure against: the bare stack.

Flask + Flask-SQLAlchemy, one model over Laurel's own `certificates` table, and
a verification page that does what any app must: one query by the unique code
and a small template, rendered the usual way (`render_template`). No login,
no CSRF, no config checks. bench/verify.py serves it under the same gunicorn
settings as Laurel; bench/cold_start.py serves it from the same Vercel bundle
in place of api/index.py.
"""

import os

from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader

url = os.environ.get("DATABASE_URL", "sqlite://")
for prefix in ("postgres://", "postgresql://"):
    if url.startswith(prefix):
        url = "postgresql+psycopg://" + url[len(prefix) :]

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = url
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = (
    {"pool_size": 4, "max_overflow": 2} if url.startswith("postgresql") else {}
)
db = SQLAlchemy(app)


class Certificate(db.Model):
    __tablename__ = "certificates"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), unique=True)
    holder_name = db.Column(db.String(200))
    event_title = db.Column(db.String(200))
    event_date = db.Column(db.String(100))
    issuer = db.Column(db.String(254))
    issued_at = db.Column(db.DateTime(timezone=True))


PAGE = """<!doctype html><title>Certificate {{ c.code }}</title>
<h1>{{ c.holder_name }}</h1><dl><dt>Event</dt><dd>{{ c.event_title }}</dd>
<dt>Date</dt><dd>{{ c.event_date }}</dd><dt>Issued by</dt><dd>{{ c.issuer }}</dd>
<dt>Issued on</dt><dd>{{ c.issued_at.strftime("%d %B %Y") }}</dd></dl>
<a href="/verify/{{ c.code }}/certificate.pdf">Download PDF</a>"""
app.jinja_loader = DictLoader({"verify.html": PAGE})


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/verify/<code>")
def verify(code):
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
    if certificate is None:
        abort(404)
    return render_template("verify.html", c=certificate)
