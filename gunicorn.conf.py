"""gunicorn settings for Consiglio in production: `gunicorn -c gunicorn.conf.py`, or `make serve`.

One worker process per port. A Socket.IO client must reach the process that holds its
connection, so more processes means more ports (PORT), a proxy with sticky sessions in front
and REDIS_URL for the queue between them: docs/deployment.md. The worker class follows
SOCKETIO_ASYNC_MODE (council/config.py): `gevent` (PostgreSQL only) in gevent's own WSGI
server (gunicorn's `gevent_pywsgi` worker: its tail under load is half that of gunicorn's
`gevent` worker, docs/deployment.md), or `threading` in gunicorn's gthread worker, where every
open WebSocket holds one of THREADS threads.
"""

import os

mode = os.environ.get("SOCKETIO_ASYNC_MODE") or "threading"

wsgi_app = "council.wsgi:application"
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
workers = 1
worker_class = "gevent_pywsgi" if mode == "gevent" else "gthread"
threads = int(os.environ.get("THREADS", "1000"))
# open connections the worker accepts (WebSockets included) before it queues new ones
worker_connections = int(os.environ.get("MAX_CONNECTIONS", "2000"))
timeout = 60
graceful_timeout = 20  # on SIGTERM, then open WebSockets are closed and clients reconnect
keepalive = 5
accesslog = None  # the app logs one line per request itself (council/logs.py)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = os.environ.get("PROC_NAME", f"consiglio-{os.environ.get('PORT', '8000')}")
# gunicorn's control socket is one per user by default: several instances would share it
control_socket_disable = True
