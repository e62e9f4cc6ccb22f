"""Every hook a CRM plugin can implement.

Hooks are called with keyword arguments only. An implementation may accept any
subset of a hook's arguments, so new arguments can be added without breaking
existing plugins. ``docs/plugins.md`` shows an example of each.
"""
import pluggy

hookspec = pluggy.HookspecMarker("crm")
hookimpl = pluggy.HookimplMarker("crm")


@hookspec
def register_blueprints():
    """Return a list of Flask blueprints.

    Each is mounted under ``/<plugin name>/`` and its name must start with the
    plugin name. Every view must be guarded with ``require_permission``.
    """


@hookspec
def register_permissions():
    """Return a list of ``Permission(code, label)``.

    Codes are ``<plugin>.<object>.<action>``, e.g. ``customers.customer.edit``.
    """


@hookspec
def register_roles():
    """Return ``{role key: [permission code, ...]}``: default grants.

    Role keys are ``admin``, ``sales_director``, ``account_manager`` and
    ``executive``. ``crm init`` merges the grants into those roles once; an
    administrator's later edits are never overwritten.
    """


@hookspec
def register_menu_items():
    """Return a list of ``MenuItem(label, endpoint, permission, section, order)``.

    An item is shown only to users who hold its permission.
    """


@hookspec
def template_slot(slot, context):
    """Contribute HTML to a slot of another page.

    Return a ``SlotItem(html, order)``, a list of them, or None. ``slot`` names
    the place (``dashboard.widgets``, ``customers.detail.tabs``); ``context``
    is a dict of what that page offers (e.g. ``context["customer"]``). Return
    None for slots you do not serve or users who may not see your content.
    """


@hookspec
def on_event(name, payload):
    """React to a domain event, called after the emitting transaction commits.

    ``name`` is ``<plugin>.<what happened>``, e.g. ``customers.order_created``;
    ``payload`` is a dict of plain values (ids, numbers, strings).
    """


@hookspec
def on_change(name, payload):
    """Keep what you copied from another plugin's records in step with a change to them, inside the
    transaction that makes it (``core.api.propagate``), e.g. a copy of a customer's account manager.

    Called as the change is made, before the caller commits: write through ``db.session`` and never
    commit or roll back, so that your writes commit or roll back with the change (nothing half-done).
    An exception rolls back the caller's whole change. ``payload`` is a dict of plain values, as for
    ``on_event``; ignore names you do not handle.
    """


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``crm`` command group ``cli``."""


@hookspec
def register_jobs():
    """Return a list of ``Job(name, func, schedule)``: periodic work.

    ``func`` is called without arguments inside an application context;
    ``crm jobs run NAME`` runs one, ``schedule`` (cron syntax) tells operators
    when to run it.
    """


@hookspec
def register_reports():
    """Return a list of ``Report`` definitions (``core.reports``) for the reports plugin to render.

    A report's key starts with the plugin name; its ``query(form)`` returns one
    aggregate ``Select`` already narrowed to the user's data scope. The host
    collects them in ``current_app.extensions["crm"].reports`` (key -> Report).
    """


@hookspec
def global_search(term, limit):
    """Answer the top bar's search box: return a ``SearchGroup`` (a kind of record and its
    ``SearchResult``s), a list of them, or None.

    ``term`` is trimmed, 1 to 200 characters, to be matched literally (``%`` and
    ``_`` included); return at most ``limit`` results per group, only records the
    current user may see (check your permission and data scope), found through an
    index (``core.api.TextIndex``) rather than by reading every row.
    """


@hookspec
def load_demo_data(session):
    """Fill ``session`` with a realistic demo data set (``crm init --demo``).

    Called in dependency order, so a plugin finds its requirements' demo data.
    Do not commit; the core commits once every plugin has loaded.
    """
