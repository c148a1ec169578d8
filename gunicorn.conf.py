"""gunicorn settings for Laurel: the Docker image's server on every platform.

Every value comes from the environment, with defaults that suit a small
container behind a platform's proxy (Render, Railway, Fly, a Docker host).
gunicorn reads this file because the image's command says
`gunicorn --config gunicorn.conf.py`; it also picks it up by itself when
started from the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.config import detect_platform

_env = os.environ


def _int(name: str, default: int) -> int:
    value = _env.get(name, "").strip()
    return int(value) if value else default


# Behind a platform's proxy (or in our image) the container only ever hears
# from that proxy; app/config.py names the platform the same way.
_BEHIND_PROXY = detect_platform(_env) != "local"

# The app: the factory, called once in each worker.
wsgi_app = "app:create_app()"

# Render and Railway inject PORT; Fly and Docker hosts use the default, which
# fly.toml's internal_port and the Dockerfile's EXPOSE repeat.
bind = [f"0.0.0.0:{_int('PORT', 8000)}"]

# Processes x threads. WEB_CONCURRENCY is the name platforms (and gunicorn
# itself) use for the worker count; GUNICORN_THREADS also sizes each worker's
# database pool in app/config.py, so one thread never waits for a connection.
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# A worker that stops answering its heartbeat for `timeout` seconds is
# restarted. gthread workers keep beating while a request runs in a thread,
# so this is not a per-request limit.
timeout = _int("GUNICORN_TIMEOUT", 30)

# SIGTERM (what Render, Railway, Docker and Fly with kill_signal = "SIGTERM"
# send) stops accepting connections, lets running requests finish for up to
# graceful_timeout seconds, then exits 0. Keep it below the platform's grace
# period: Render's maxShutdownDelaySeconds, Fly's kill_timeout, Railway's
# drainingSeconds and compose's stop_grace_period are all 30 s in this repo.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)

# Seconds an idle keep-alive connection from the proxy stays open: a little
# longer than gunicorn's 2 s default, so that a proxy reusing a connection
# rarely races gunicorn closing it.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# create_app() opens nothing and starts nothing (a tested invariant), so it is
# safe to import once in the master and fork: workers start faster, share the
# imported code's memory, and an import error stops the server at once.
preload_app = True

# Which peers may set X-Forwarded-Proto (and so https in wsgi.url_scheme).
# Inside a platform's container the only peer is the platform's router, whose
# addresses are not published and change (Render, Railway, Fly all say so), so
# "*" is the usable value there; the port is not reachable from anywhere else.
# On a bare host, only loopback is trusted, as gunicorn does by default.
# Client addresses are werkzeug's ProxyFix's job (PROXY_FIX_HOPS), not this.
forwarded_allow_ips = _env.get("FORWARDED_ALLOW_IPS") or ("*" if _BEHIND_PROXY else "127.0.0.1,::1")

# Logs: access log to stdout, errors to stderr, where platforms collect them.
accesslog = "-"
errorlog = "-"
loglevel = _env.get("GUNICORN_LOG_LEVEL", "info")
# Client address (after ProxyFix), request line, status, bytes, milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The heartbeat file lives in memory where there is memory to put it in
# (Docker's /dev/shm), not on an overlay filesystem that can stall fchmod().
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108

# gunicorn >= 25.1 opens a control socket under $HOME by default. Nothing in
# a container uses it, the image's user has no home, and two servers on one
# machine (tests, compose) would fight over the same path.
control_socket_disable = True
