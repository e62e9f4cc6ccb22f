"""WSGI entry point, e.g. ``gunicorn -w 4 app:app``."""
from core import create_app
from core.long_lived import freeze_after_warm_up

app = create_app()
freeze_after_warm_up(app)  # each worker process builds its app here: see core/long_lived.py
