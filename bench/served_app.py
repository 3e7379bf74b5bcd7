"""The app as gunicorn serves it, plus a bare "hello" endpoint to compare throughput against."""

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from workbench import create_app


def hello(environ, start_response):
    return Response("hello", mimetype="text/plain")(environ, start_response)


app = DispatcherMiddleware(create_app(), {"/bench-hello": hello})
