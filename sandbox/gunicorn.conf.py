"""gunicorn settings of the sandbox alone (`gunicorn sandbox.wsgi -c sandbox/gunicorn.conf.py`):
a tenant's API answers many calls at once and keeps idle connections open, as nginx does."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8001')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = 16
keepalive = 75
# No control socket (gunicorn 25 and later open one in $HOME, the data volume in the image):
# nothing here uses it.
control_socket_disable = True
# One line per call, as a tenant's API logs them; tests and make bench count calls here.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
