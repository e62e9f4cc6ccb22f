"""Plugins declare the core versions they support (``requires_core``, PEP 440 specifiers): an incompatible
plugin is refused at startup and by ``crm db upgrade`` with one sentence, before anything is migrated."""
import sys

import pytest

from core import migrate
from core.plugins import PluginError, core_version
from core import testing


class Versioned:
    """A plugin object with metadata only, for a given range of core versions."""

    def __init__(self, name, requires_core):
        self.name, self.title, self.version, self.requires_core = name, name.title(), "1.2.0", requires_core


def test_the_core_has_a_version():
    assert core_version().count(".") >= 1 and core_version() != "0.0.0"


def test_an_incompatible_plugin_stops_startup_with_one_sentence(make_app):
    with pytest.raises(PluginError) as error:
        make_app(plugins="contracts", extra_plugins=[Versioned("contracts", ">=99.0,<100")])
    assert str(error.value) == (
        f"Plugin 'contracts' 1.2.0 supports CRM core >=99.0,<100, but this is core {core_version()}; "
        f"install a version of 'contracts' made for core {core_version()}, or disable it.")


def test_a_specifier_that_is_not_pep_440_stops_startup(make_app):
    with pytest.raises(PluginError) as error:
        make_app(plugins="contracts", extra_plugins=[Versioned("contracts", "version two")])
    assert "declares requires_core = 'version two', which is not a PEP 440 version specifier" in str(error.value)


def test_a_compatible_plugin_starts_and_crm_plugins_shows_what_it_supports(make_app):
    supported = f">={core_version()},<1000"
    app = make_app(plugins="contracts", extra_plugins=[Versioned("contracts", supported), Versioned("later", ">=99")])
    output = app.test_cli_runner().invoke(args=["plugins"]).output
    assert f"contracts 1.2.0 [enabled]\n  requires core: {supported}\n" in output
    assert "later 1.2.0 [disabled, incompatible]\n  requires core: >=99\n  Plugin 'later' 1.2.0 supports" in output
    assert f"core {core_version()} [enabled]" in output


def test_crm_db_upgrade_refuses_an_incompatible_plugin_before_migrating(migrated_database, monkeypatch, capsys):
    import core
    from core import cli

    upgrades = []
    monkeypatch.setattr(migrate, "upgrade", lambda *args, **kwargs: upgrades.append(args))
    create_app = core.create_app
    monkeypatch.setattr(core, "create_app", lambda: create_app(
        {**testing.test_config(migrated_database), "CRM_PLUGINS": "contracts"}, [Versioned("contracts", "<0.0.1")]))
    monkeypatch.setattr(sys, "argv", ["crm", "db", "upgrade"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1 and upgrades == []
    error = capsys.readouterr().err
    assert error.startswith("Error: Plugin 'contracts' 1.2.0 supports CRM core <0.0.1, but this is core")
    assert error.count("\n") == 1
