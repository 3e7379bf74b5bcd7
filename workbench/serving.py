"""gunicorn settings for `workbench serve` (passed as ``-c python:workbench.serving``)."""

from nlp import detect_language

worker_class = "gthread"
# Load the app once in the master so that workers share its memory (copy-on-write).
preload_app = True
# Staff uploads import in the request; allow a large file (about 100,000 rows) to finish.
timeout = 120


def when_ready(_server) -> None:
    # The language models take about a second to load; do it before the workers fork rather
    # than on each worker's first request.
    detect_language("Tack för en snabb leverans")
