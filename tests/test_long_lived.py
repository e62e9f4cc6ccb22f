"""A web worker freezes its long-lived objects when built and after its warm-up (core/long_lived.py)."""
import gc

from core import long_lived


def test_what_lives_long_is_frozen_when_the_app_is_built_and_after_the_warm_up(app, monkeypatch):
    monkeypatch.setattr(long_lived, "WARM_UP_REQUESTS", 3)
    gc.unfreeze()
    try:
        long_lived.freeze_after_warm_up(app)
        frozen_when_built = gc.get_freeze_count()
        assert frozen_when_built > 0

        client = app.test_client()
        for _ in range(2):
            assert client.get("/login").status_code == 200
        assert gc.get_freeze_count() <= frozen_when_built  # not warm yet (frozen objects that die leave)

        kept_by_the_third = [{} for _ in range(100)]  # alive at the third request's end
        assert client.get("/login").status_code == 200
        assert gc.get_freeze_count() >= frozen_when_built + len(kept_by_the_third)

        assert client.get("/login").status_code == 200  # once only: a later request freezes nothing more
        frozen = gc.get_freeze_count()
        assert client.get("/login").status_code == 200
        assert gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector
