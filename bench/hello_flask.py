"""The baseline for bench/cold_start.py: the smallest Flask app there is.

It is served exactly as Laurel's function is (same bundle, same launcher), in
place of api/index.py, so the difference in cold start is Laurel's own.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
