"""The floor: a bare Flask + Jinja page rendering 25 rows of the customer table with LIMIT 25.

Served by gunicorn beside the CRM in the same benchmark run (``bench.floor:app``),
it shows what a request costs on this machine with no CRM code at all.
"""
import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Customers</title></head><body>
<table><thead><tr><th>Number</th><th>Name</th><th>Region</th><th>Phone</th><th>Status</th><th>Created</th></tr></thead>
<tbody>{% for row in rows %}<tr><td><a href="/customers/{{ row.id }}">{{ row.number }}</a></td><td>{{ row.name }}</td>
<td>{{ row.region }}</td><td>{{ row.phone }}</td><td>{{ row.status }}</td><td>{{ row.created_at }}</td></tr>{% endfor %}
</tbody></table></body></html>"""


@app.route("/")
def customers():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, number, name, region, phone, status, created_at "
                                 "FROM customers_customer ORDER BY id DESC LIMIT 25")).all()
    return render_template_string(PAGE, rows=rows)
