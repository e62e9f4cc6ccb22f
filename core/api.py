"""The stable facade plugins import. Everything else in ``core`` may move.

    from core import api
    from core.api import _, hookimpl, db, require_permission
"""
from flask_login import current_user

from core.audit import record_bulk, record_bulk_created
from core.cache import changed as cache_changed, stable as stable_cache, watch as watch_cache
from core.charts import svg_chart
from core.dashboard import kpi_tile
from core.db import analyze, analyze_grown, db, lock_for_update
from core.events import emit, propagate
from core.forms import VersionedForm, decimal_field, text_field
from core.formatting import format_date, format_datetime, format_money, iso
from core.global_search import SearchGroup, SearchResult
from core.hookspecs import hookimpl
from core.i18n import N_, _, current_locale, gettext, lazy_gettext, ngettext
from core.jobs import (
    JobFailed, Outcome, TooManyJobs, current_job_id, output_file, remove_upload, report_progress, save_upload,
    start_job, upload_path,
)
from core.listing import (
    FilterForm, Page, contains, csv_response, id_or_none, list_page, paginate, query_args, sort_order, stream,
)
from core.paging import SEARCH_COUNT_CAP, OuterLoopJoin, either, either_rows, unindexed, walking
from core.localtime import local_now, local_timezone, local_today, to_local, to_utc
from core.models import (
    AuditMixin, BusinessRecord, CreatorMixin, TimestampMixin, VersionMixin, code_string, commit_unless_stale,
    current_actor_id, is_stale, migrate_to_code_strings, recreate_indexes, utcnow,
)
from core.notifications import link_to, notify
from core.numbers import reserve_sequence
from core.plugins import Job, MenuItem, Permission, SlotItem
from core.rbac.access import (
    can, holders_of, public_view, require_permission, scoped, sees_all, user_choices, user_names, users_holding,
)
from core.rbac.models import User
from core.reports import Chart, Column, Report
from core.summaries import MonthOf, Summary, difference, mean, month_of, year_of, year_range
from core.table_versions import kept_while_unchanged
from core.text_search import TextIndex, normalized as search_term, probing_grams
from core.validators import StoredDecimal, finite_number, no_markup, no_nul, strip_text
from core.web import render_slot, slot_items

__all__ = [
    "_", "N_", "current_locale", "gettext", "lazy_gettext", "ngettext",
    "hookimpl", "db", "analyze", "analyze_grown", "lock_for_update", "current_user", "User",
    "Permission", "MenuItem", "SlotItem", "Job", "Report", "Column", "Chart",
    "require_permission", "public_view", "can", "scoped", "sees_all", "users_holding", "user_choices",
    "emit", "propagate", "render_slot", "slot_items",
    "BusinessRecord", "TimestampMixin", "CreatorMixin", "VersionMixin", "AuditMixin", "is_stale", "utcnow", "current_actor_id",
    "commit_unless_stale", "code_string", "migrate_to_code_strings", "recreate_indexes", "VersionedForm", "text_field", "decimal_field", "StoredDecimal",
    "record_bulk", "record_bulk_created", "svg_chart", "kpi_tile",
    "local_now", "local_today", "local_timezone", "to_local", "to_utc",
    "FilterForm", "Page", "paginate", "query_args", "sort_order", "stream", "csv_response", "list_page", "contains",
    "OuterLoopJoin", "either", "either_rows", "unindexed", "walking", "SEARCH_COUNT_CAP",
    "id_or_none", "strip_text", "no_markup", "no_nul", "finite_number",
    "start_job", "report_progress", "output_file", "current_job_id", "JobFailed", "Outcome", "TooManyJobs",
    "save_upload", "upload_path", "remove_upload",
    "notify", "link_to", "reserve_sequence",
    "format_money", "format_date", "format_datetime", "iso",
    "stable_cache", "watch_cache", "cache_changed", "kept_while_unchanged", "user_names", "holders_of",
    "TextIndex", "search_term", "probing_grams", "SearchGroup", "SearchResult",
    "Summary", "MonthOf", "difference", "month_of", "year_of", "mean", "year_range",
]
