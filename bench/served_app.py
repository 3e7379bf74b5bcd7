"""The app as gunicorn serves it, plus a bare "hello" view to compare throughput against."""

from workbench import create_app

app = create_app()


@app.get("/bench-hello")
def hello() -> str:
    """As bare as a Flask view gets: same app, same extensions, no database, no template."""
    return "hello"
