"""SQL statements per page: the same pages, opened in-process through Flask's test client."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.servers import _CSRF


class StatementCounter:
    def __init__(self, database_url: str):
        from core import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-statements"})
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def client(self, username: str, password: str):
        client = self.app.test_client()
        token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if response.status_code != 302:
            raise SystemExit(f"in-process login of {username} failed: HTTP {response.status_code}")
        return client

    def count(self, client, url: str) -> int:
        """Statements one GET of ``url`` runs (after one warm-up GET)."""
        client.get(url)
        self.statements.clear()
        event.listen(Engine, "before_cursor_execute", self._record)
        try:
            client.get(url)
        finally:
            event.remove(Engine, "before_cursor_execute", self._record)
        return len(self.statements)
