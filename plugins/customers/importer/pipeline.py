"""Checking the next chunk of a file while the database saves the last one: one thread, one slot.

An import's two halves use different cores. Reading and checking a chunk is
Python (it holds the GIL); saving one is the database's work (SQLite's
``sqlite3_step`` and psycopg's waits let go of the GIL; PostgreSQL works in
its own process). ``checked_ahead`` runs the reading and checking in a thread
one chunk ahead of the caller, who saves each chunk as it comes.

Why this shape:
- The database work stays on the caller's thread: the import's transaction is
  the session's connection, which belongs to the app context (Flask-SQLAlchemy
  scopes the session by it) and must be used by one thread. The checking needs
  no connection (the managers and dictionary spellings are read beforehand).
- The thread runs in a copy of the caller's context variables: the same app and
  request context, so the same user, locale and translations for the messages
  of bad rows. It must not touch ``db.session``.
- A queue of one slot: the thread is at most one chunk ahead, so memory holds
  three chunks whatever the file's size (one being checked, one waiting, one
  being saved).
- Everything the thread raises (a file that is not CSV) is raised again in the
  caller, in order, after the chunks before it; whatever the caller raises stops
  the thread before the block ends (the caller's rollback then leaves nothing).
- The interpreter's switch interval is shortened while both run: a thread coming
  back from the database waits for the GIL until the checking thread is made to
  drop it, 5 ms by default, for each statement (SQLite: each step).
"""
from __future__ import annotations

import contextvars
import queue
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

SWITCH_INTERVAL = 0.0005  # s; Python's default is 0.005
_END = object()
_switching = threading.Lock()
_running = 0  # pipelines running in this process: the interval is the process's, set back by the last one
_default = sys.getswitchinterval()


def _pipelines(change: int) -> None:
    global _running, _default
    with _switching:
        if change > 0 and _running == 0:
            _default = sys.getswitchinterval()
            sys.setswitchinterval(min(_default, SWITCH_INTERVAL))
        _running += change
        if change < 0 and _running == 0:
            sys.setswitchinterval(_default)


@contextmanager
def checked_ahead(items: Iterable[T], check: Callable[[T], R]) -> Iterator[Iterator[R]]:
    """``check(item)`` of each of ``items``, in order, computed in a thread one item ahead of the caller."""
    slot: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(value) -> bool:
        while not stop.is_set():  # the caller may stop taking: look again every 50 ms
            try:
                slot.put(value, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set() or not put((check(item), None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            put((_END, exc))
            return
        put((_END, None))

    def results() -> Iterator[R]:
        while True:
            value, exc = slot.get()
            if value is _END:
                if exc is not None:
                    raise exc
                return
            yield value

    thread = threading.Thread(target=contextvars.copy_context().run, args=(produce,), name="import-check",
                              daemon=True)
    _pipelines(+1)
    thread.start()
    try:
        yield results()
    finally:
        stop.set()
        thread.join()
        _pipelines(-1)
