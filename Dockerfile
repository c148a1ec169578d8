# Laurel's image: gunicorn serving the Flask app, for Render, Railway, Fly,
# any Docker host and `docker compose up`.
#
#   docker build -t laurel .
#   docker run -p 8000:8000 -e DATABASE_URL=... -e SECRET_KEY=... laurel
#
# Keep PYTHON_VERSION equal to .python-version (a test checks it).
ARG PYTHON_VERSION=3.12

# --- build: production dependencies into a virtual environment --------------
FROM python:${PYTHON_VERSION}-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# The base image's pip installs into a venv that has none of its own, so the
# runtime copy holds the app's dependencies and nothing else.
RUN python -m venv --without-pip /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every dependency ships a wheel for this platform (psycopg-binary, pillow):
# no compiler, no apt-get. pip compiles their bytecode as it installs them.
# Some wheels ship their own test suites (certifi does); the image carries none.
RUN pip --python /opt/venv/bin/python install --no-cache-dir -r /tmp/requirements.txt \
    && find /opt/venv/lib -type d -name tests -path '*/site-packages/*' -prune -exec rm -rf {} +

# --- runtime ----------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime

# LAUREL_CONTAINER tells app/config.py and gunicorn.conf.py that this runs in
# a container behind a proxy (PROXY_FIX_HOPS=1, FORWARDED_ALLOW_IPS=*, and
# production settings unless LAUREL_ENV says otherwise).
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=app \
    LAUREL_CONTAINER=1 \
    PORT=8000

# A numeric, unprivileged user with no home and no shell.
RUN groupadd --system --gid 10001 laurel \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin laurel

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY app ./app
COPY migrations ./migrations
COPY static ./static
COPY gunicorn.conf.py ./
COPY scripts/prestart.sh ./scripts/prestart.sh

# Compile the app's bytecode now: the code is read-only at run time, so a
# worker would otherwise compile every module again on each start. Nothing
# under /app is writable by the app's user: files go to STORAGE_URL, scratch
# to /tmp, so the image also runs with a read-only root filesystem.
RUN python -m compileall -q app migrations gunicorn.conf.py

USER 10001:10001
EXPOSE 8000

# Docker's and compose's own check; Render, Railway and Fly call /healthz
# themselves. Python, because the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# The entrypoint migrates first when RUN_MIGRATIONS_ON_START=true, then execs
# the command; platforms replace the command (`flask events check`,
# `flask db upgrade`) and keep the entrypoint.
ENTRYPOINT ["/bin/sh", "/app/scripts/prestart.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
