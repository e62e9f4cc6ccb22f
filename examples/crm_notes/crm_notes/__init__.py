"""Notes: an example third-party CRM plugin.

A plain pip package (distribution ``crm-notes``) found through the ``crm.plugins``
entry point ``notes = crm_notes``. This module is the plugin object: its
metadata and its hook implementations. It imports nothing from the CRM but
``core.api`` and the public service of the customers plugin, which it requires.
"""
import click
from flask import render_template
from sqlalchemy import func, select

from core.api import MenuItem, Permission, SlotItem, User, can, db, hookimpl, scoped
from core.api import lazy_gettext as _l

from crm_notes.models import Note  # importing the models registers the table

name = "notes"                      # equals the entry point name
title = _l("Notes")                 # shown by `crm plugins` and the plugins page
version = "0.1.0"
requires_core = ">=0.1,<0.2"        # the CRM core versions it works with (PEP 440)
requires = ("customers",)           # plugins this one cannot work without: a note may name a customer
# uses = ("marketing",)             # optional: plugins it integrates with when present


@hookimpl
def register_blueprints():
    from crm_notes.views import blueprint

    return [blueprint]


@hookimpl
def register_permissions():
    return [
        Permission("notes.note.view", _l("View notes")),
        Permission("notes.note.edit", _l("Create and edit notes")),
    ]


@hookimpl
def register_roles():
    return {"admin": ["notes.note.view", "notes.note.edit"]}


@hookimpl
def register_menu_items():
    return [MenuItem(_l("Notes"), "notes.index", "notes.note.view", order=500, icon="sticky")]


@hookimpl
def register_commands(cli):
    @cli.command("notes-count")
    def notes_count():
        """Print how many notes exist."""
        click.echo(db.session.scalar(select(func.count()).select_from(Note)))


@hookimpl
def register_reports():
    from crm_notes.reports import NOTES_PER_MONTH

    return [NOTES_PER_MONTH]


@hookimpl
def template_slot(slot, context):
    # Users who may not read notes must not even learn how many there are.
    if slot != "dashboard.widgets" or not can("notes.note.view"):
        return None
    visible = scoped(select(Note), Note)
    count = db.session.scalar(select(func.count()).select_from(visible.subquery()))
    latest = db.session.scalars(visible.order_by(Note.id.desc()).limit(5)).all()
    return SlotItem(render_template("notes/widget.html", count=count, latest=latest), order=500)


DEMO_NOTES = [
    ("Welcome to notes", "Notes come from the crm-notes example plugin."),
    ("回访计划", "下周一回访华东区重点客户。"),
]


@hookimpl
def load_demo_data(session):
    # `crm init --demo` runs this again on every call: add only the notes that are missing.
    existing = set(session.scalars(select(Note.title).where(Note.title.in_([t for t, _body in DEMO_NOTES]))))
    admin = session.scalar(select(User).where(User.username == "admin"))
    for title, body in DEMO_NOTES:
        if title not in existing:
            session.add(Note(title=title, body=body, created_by_id=admin.id if admin else None))
