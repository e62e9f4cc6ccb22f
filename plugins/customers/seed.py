"""The dictionary entries the customers plugin starts with: the activity types.

``ensure_defaults`` runs as the migration's data step and adds nothing once the
type has entries, so an administrator's edits stay.
"""
from __future__ import annotations

from plugins.basedata import services as basedata

ACTIVITY_TYPE = "activity_type"  # also in models.py; the seed must not import the models

# (value, 条目, English label) in sort order.
ACTIVITY_TYPES = [
    ("call", "电话", "Call"),
    ("visit", "拜访", "Visit"),
    ("email", "电子邮件", "E-mail"),
    ("meeting", "会议", "Meeting"),
    ("other", "其他", "Other"),
]


def ensure_defaults(connection=None) -> int:
    return basedata.seed_type(ACTIVITY_TYPE, ACTIVITY_TYPES, connection=connection)
