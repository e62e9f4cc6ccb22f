"""PostgreSQL: the customers' keys and codes compared byte by byte (COLLATE "C")

A database whose collation is C.UTF-8 compares text through strcoll in each descent of every B-tree; 14
of the customer table's indexes hold a number, a dictionary value, the status or a duplicate key, so an
import paid it ~14 times per row (see core.models.code_string). C.UTF-8 orders by code point as "C"
orders UTF-8 bytes: lists sort the same. The indexes on these columns are rebuilt (~1 min at a million
customers) and their statistics gathered again (ALTER TYPE drops them). Nothing to do on SQLite.

Revision ID: e1c7a3f5b9d2
Revises: 75aaf6caeb92
Create Date: 2026-11-30 07:50:00
"""
from core.api import migrate_to_code_strings

revision = 'e1c7a3f5b9d2'
down_revision = '75aaf6caeb92'
branch_labels = None
depends_on = None

TABLE = "customers_customer"
COLUMNS = {"number": 20, "name_sort": 400, "region": 40, "level": 40, "satisfaction": 40, "credit": 40,
           "status": 10, "name_key": 200, "phone_key": 30}


def upgrade():
    migrate_to_code_strings(TABLE, COLUMNS)


def downgrade():
    migrate_to_code_strings(TABLE, COLUMNS, undo=True)
