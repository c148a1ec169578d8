"""gunicorn settings for bench/bare_app.py: the ones gunicorn.conf.py gives
Laurel by default, so that only the app differs."""

import os

bind = [f"127.0.0.1:{os.environ.get('PORT', '8001')}"]
wsgi_app = "bare_app:app"
chdir = os.path.dirname(os.path.abspath(__file__))
workers = 2
threads = 4
worker_class = "gthread"
preload_app = True
keepalive = 5
loglevel = "warning"
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
control_socket_disable = True
