"""WSGI entry point, e.g. ``gunicorn -w 4 app:app``."""
from core import create_app

app = create_app()
