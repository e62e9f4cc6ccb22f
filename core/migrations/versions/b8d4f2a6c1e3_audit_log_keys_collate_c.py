"""PostgreSQL: the audit log's table name and record id compared byte by byte (COLLATE "C")

Each entry goes into the (table_name, record_id) index, whose every comparison went through strcoll in
a C.UTF-8 database (see core.models.code_string); bulk work writes one entry per record. The index is
rebuilt and the table's statistics gathered again. Nothing to do on SQLite.

Revision ID: b8d4f2a6c1e3
Revises: a7c3e5f1d9b2
Create Date: 2026-11-30 07:50:00
"""
from core.models import migrate_to_code_strings

revision = 'b8d4f2a6c1e3'
down_revision = 'a7c3e5f1d9b2'
branch_labels = None
depends_on = None

COLUMNS = {"table_name": 64, "record_id": 64}


def upgrade():
    migrate_to_code_strings("core_audit_log", COLUMNS)


def downgrade():
    migrate_to_code_strings("core_audit_log", COLUMNS, undo=True)
