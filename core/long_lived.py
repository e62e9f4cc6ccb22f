"""Short full garbage collections in a long-running web worker: what lives long is frozen.

A worker holds ~170,000 objects that live as long as it does (the app, its plugins, SQLAlchemy's
mappers and compiled statements, Jinja's templates, the caches). Python's full collection walks
every one of them each time; it runs every few hundred requests (a request that happens to be
alive during a younger collection counts as long-lived until the next full one), and it took
250–470 ms on a busy 2-core machine: the one slow request in ten that set list pages' p95 at 1M.
``gc.freeze()`` moves what is alive into a generation the collector never walks: once when the
app is built, and again after the first requests, which compile templates and statements and fill
the caches. Full collections then walk only what came after: ~20,000 objects (14–24 ms) after the
first freeze, a few hundred (under 1 ms) after the warm-up's. Objects alive at a freeze that later
become unreachable in a reference cycle are never freed: a bounded, one-time cost of two freezes.
"""
import gc

from flask import Flask

WARM_UP_REQUESTS = 100  # by then a worker has compiled the pages it serves most


def freeze_after_warm_up(app: Flask) -> None:
    """Freeze what is alive now and again after the process's ``WARM_UP_REQUESTS``-th request."""
    gc.freeze()
    served = 0

    @app.teardown_request
    def _freeze_when_warm(_exc=None) -> None:
        nonlocal served
        served += 1
        if served == WARM_UP_REQUESTS:
            gc.freeze()
