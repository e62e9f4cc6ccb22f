"""Plugin discovery, enabling, dependency order and the plugin manager."""
from __future__ import annotations

import dataclasses
import graphlib
import importlib.metadata
from dataclasses import dataclass, field
from typing import Any, Iterator

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from core import hookspecs
from core.reports import Report

ENTRY_POINT_GROUP = "crm.plugins"


def core_version() -> str:
    """The version of the CRM core (the ``crm`` distribution) that plugins declare compatibility with."""
    try:
        return importlib.metadata.version("crm")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


class PluginError(RuntimeError):
    """A plugin set that cannot start; the message says which plugin and the fix."""


@dataclass(frozen=True)
class Permission:
    code: str
    label: Any
    plugin: str = ""


@dataclass(frozen=True)
class MenuItem:
    label: Any
    endpoint: str
    permission: str
    section: Any = None
    order: int = 100
    icon: str = "circle"


@dataclass(frozen=True)
class SlotItem:
    html: Any
    order: int = 100


@dataclass(frozen=True)
class Job:
    name: str
    func: Any
    schedule: str = ""
    plugin: str = ""


class PluginInfo:
    """An installed plugin; its module is imported only when first needed."""

    def __init__(self, name: str, obj: Any = None, entry_point=None):
        self.name = name
        self._obj = obj
        self.entry_point = entry_point

    @property
    def obj(self) -> Any:
        if self._obj is None:
            try:
                obj = self.entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"Plugin '{self.name}' could not be imported ({exc}); reinstall it or uninstall it."
                ) from exc
            if getattr(obj, "name", None) != self.name:
                raise PluginError(
                    f"Plugin '{self.name}' declares the name '{getattr(obj, 'name', None)}'; "
                    f"make its entry point name and its name attribute equal."
                )
            self._obj = obj
        return self._obj

    @property
    def problem(self) -> str | None:
        """Why the plugin cannot be imported, or None if it can."""
        try:
            self.obj
        except PluginError as exc:
            return str(exc)
        return None

    @property
    def distribution(self) -> str:
        dist = getattr(self.entry_point, "dist", None)
        return dist.name if dist else ""

    @property
    def title(self):
        return getattr(self.obj, "title", self.name)

    @property
    def version(self) -> str:
        return str(getattr(self.obj, "version", ""))

    @property
    def requires(self) -> tuple[str, ...]:
        return tuple(getattr(self.obj, "requires", ()) or ())

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(getattr(self.obj, "uses", ()) or ())

    @property
    def requires_core(self) -> str:
        """The core versions the plugin supports, as PEP 440 specifiers (e.g. ">=0.1,<0.2"); "" for any."""
        return str(getattr(self.obj, "requires_core", "") or "")

    def core_problem(self, version: str) -> str | None:
        """Why the plugin cannot run on core ``version`` (one sentence naming both), or None if it can."""
        try:
            supported = SpecifierSet(self.requires_core)
        except InvalidSpecifier:
            return (f"Plugin '{self.name}' declares requires_core = '{self.requires_core}', which is not a "
                    f"PEP 440 version specifier; fix it, e.g. requires_core = \">=0.1,<0.2\".")
        if supported.contains(Version(version), prereleases=True):
            return None
        return (f"Plugin '{self.name}' {self.version} supports CRM core {self.requires_core}, but this is core "
                f"{version}; install a version of '{self.name}' made for core {version}, or disable it.")


def installed_plugins(extra: list | None = None) -> dict[str, PluginInfo]:
    """Every plugin installed through the ``crm.plugins`` entry point group, plus ``extra``.

    Modules are not imported here: a broken plugin that is not enabled cannot
    stop the CRM from starting.
    """
    found: dict[str, PluginInfo] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == "core":
            raise PluginError(f"Plugin 'core' ({ep.value}) uses a reserved name; uninstall it or rename it.")
        if ep.name in found:
            if found[ep.name].entry_point.value == ep.value:
                continue  # the same distribution seen twice on sys.path
            raise PluginError(
                f"Two installed plugins are named '{ep.name}' ({found[ep.name].entry_point.value} and "
                f"{ep.value}); uninstall one of them."
            )
        found[ep.name] = PluginInfo(ep.name, entry_point=ep)
    for obj in extra or ():
        name = getattr(obj, "name", None)
        if name in found or name == "core":
            raise PluginError(f"Two installed plugins are named '{name}'; uninstall one of them.")
        found[name] = PluginInfo(name, obj)
    return found


def parse_enabled(setting: str | list | tuple | None) -> list[str] | None:
    """``CRM_PLUGINS`` as a list of names, or None when unset (every installed plugin)."""
    if setting is None:
        return None
    if isinstance(setting, str):
        setting = setting.split(",")
    return [name.strip() for name in setting if name.strip()]


def enabled_in_order(installed: dict[str, PluginInfo], wanted: list[str] | None) -> list[PluginInfo]:
    """The enabled plugins, each after the plugins it requires."""
    names = list(installed) if wanted is None else wanted
    for name in names:
        if name not in installed:
            raise PluginError(
                f"Plugin '{name}' is listed in CRM_PLUGINS but is not installed; "
                f"install it with pip or remove it from CRM_PLUGINS."
            )
    enabled = set(names)
    for name in sorted(enabled):
        problem = installed[name].core_problem(core_version())
        if problem:
            raise PluginError(problem)
        for required in installed[name].requires:
            if required not in installed:
                raise PluginError(
                    f"Plugin '{name}' requires plugin '{required}', which is not installed; "
                    f"install '{required}' or disable '{name}'."
                )
            if required not in enabled:
                raise PluginError(
                    f"Plugin '{name}' requires plugin '{required}', which is not enabled; "
                    f"add '{required}' to CRM_PLUGINS or remove '{name}' from it."
                )
    sorter = graphlib.TopologicalSorter({n: set(installed[n].requires) for n in sorted(enabled)})
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        raise PluginError(
            f"Plugin '{cycle[0]}' is part of a requirement cycle ({' -> '.join(cycle)}); "
            f"remove one of these requirements."
        ) from exc
    return [installed[n] for n in order]


@dataclass
class PluginHost:
    """The enabled plugins of one application and what they registered at startup."""

    installed: dict[str, PluginInfo]
    enabled: list[PluginInfo]
    pm: pluggy.PluginManager
    permissions: dict[str, Permission] = field(default_factory=dict)
    menu_items: list[MenuItem] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    default_grants: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def start(cls, core_plugin: Any, setting, extra: list | None = None) -> "PluginHost":
        installed = installed_plugins(extra)
        enabled = enabled_in_order(installed, parse_enabled(setting))
        pm = pluggy.PluginManager("crm")
        pm.add_hookspecs(hookspecs)
        pm.register(core_plugin, name="core")
        try:
            for info in enabled:
                pm.register(info.obj, name=info.name)
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = next((i.name for i in enabled if i.obj is exc.plugin), "core")
            raise PluginError(
                f"Plugin '{name}' implements a hook the CRM does not define ({exc}); "
                f"match the hook's name and arguments to core/hookspecs.py."
            ) from exc
        host = cls(installed, [PluginInfo("core", core_plugin)] + enabled, pm)
        host._collect()
        return host

    @property
    def enabled_names(self) -> list[str]:
        return [info.name for info in self.enabled]

    def each(self, hook_name: str, **kwargs) -> Iterator[tuple[str, Any]]:
        """Call a hook plugin by plugin, in dependency order, yielding (plugin name, result)."""
        impls = {impl.plugin_name: impl for impl in getattr(self.pm.hook, hook_name).get_hookimpls()}
        for name in self.enabled_names:
            impl = impls.get(name)
            if impl is None:
                continue
            result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            if result is not None:
                yield name, result

    def _collect(self) -> None:
        for plugin, perms in self.each("register_permissions"):
            for perm in perms:
                if not perm.code.startswith(plugin + "."):
                    raise PluginError(
                        f"Plugin '{plugin}' registers permission '{perm.code}'; "
                        f"prefix its code with '{plugin}.'."
                    )
                if perm.code in self.permissions:
                    raise PluginError(f"Plugin '{plugin}' registers permission '{perm.code}' twice; register it once.")
                self.permissions[perm.code] = Permission(perm.code, perm.label, plugin)
        for plugin, items in self.each("register_menu_items"):
            self.menu_items.extend(items)
        self.menu_items.sort(key=lambda item: item.order)
        for plugin, jobs in self.each("register_jobs"):
            for job in jobs:
                if job.name in self.jobs:
                    raise PluginError(f"Plugin '{plugin}' registers job '{job.name}', which already exists; rename it.")
                self.jobs[job.name] = Job(job.name, job.func, job.schedule, plugin)
        for plugin, reports in self.each("register_reports"):
            for report in reports:
                problem = report.problem(plugin) if isinstance(report, Report) else "return core.api.Report objects"
                if problem is None and report.key in self.reports:
                    problem = "rename it: another plugin registers that key"
                if problem:
                    raise PluginError(f"Plugin '{plugin}' registers report '{getattr(report, 'key', report)}'; {problem}.")
                self.reports[report.key] = dataclasses.replace(report, plugin=plugin)
        for plugin, grants in self.each("register_roles"):
            for role_key, codes in grants.items():
                self.default_grants.setdefault(role_key, []).extend(codes)

    def permissions_of(self, name: str) -> list[Permission]:
        """The permissions a plugin registers, also for an installed plugin that is not enabled."""
        if name in self.enabled_names:
            return [perm for perm in self.permissions.values() if perm.plugin == name]
        register = getattr(self.installed[name].obj, "register_permissions", None)
        return list(register() or []) if callable(register) else []

    def blueprints(self) -> Iterator[tuple[str, Any]]:
        for plugin, blueprints in self.each("register_blueprints"):
            for bp in blueprints:
                if plugin != "core" and bp.name != plugin and not bp.name.startswith(plugin + "_"):
                    raise PluginError(
                        f"Plugin '{plugin}' registers blueprint '{bp.name}'; "
                        f"name it '{plugin}' or start its name with '{plugin}_'."
                    )
                yield plugin, bp
