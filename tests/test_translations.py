"""Every user-visible string of the core, each plugin and the example plugin has a zh_CN translation."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("*.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def components():
    yield "core", [ROOT / "core", ROOT / "templates"], ROOT / "core" / "translations"
    for plugin in sorted((ROOT / "plugins").iterdir()):
        if (plugin / "__init__.py").exists():
            yield plugin.name, [plugin], plugin / "translations"
    for package in sorted(ROOT.glob("examples/*/*/translations")):
        yield package.parent.name, [package.parent], package


def extracted(folders) -> set[str]:
    found = set()
    for folder in folders:
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, METHODS, keywords=KEYWORDS, options_map={}
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("name,folders,translations", list(components()), ids=lambda v: v if isinstance(v, str) else "")
def test_catalog_is_complete(name, folders, translations):
    messages = extracted(folders)
    if not messages:
        return
    po = translations / "zh_CN" / "LC_MESSAGES" / "messages.po"
    assert po.exists(), f"{name} has translatable strings but no zh_CN catalog at {po}"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in messages if not catalog.get(m) or not _translated(catalog.get(m)))
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not missing, f"{name}: untranslated strings: {missing[:20]}"
    assert not fuzzy, f"{name}: fuzzy translations: {fuzzy[:20]}"


def _translated(message) -> bool:
    value = message.string
    return all(value) if isinstance(value, tuple) else bool(value)


def test_a_message_reads_the_same_in_every_catalog():
    """The catalogs share one namespace (see docs/plugins.md): a message translated two ways shows
    whichever catalog happened to load last, e.g. a service status word on the notifications page."""
    seen: dict[str, dict[str, str]] = {}
    for name, _folders, translations in components():
        po = translations / "zh_CN" / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str) and message.string:
                    seen.setdefault(message.id, {})[name] = message.string
    differing = {message: by for message, by in seen.items() if len(set(by.values())) > 1}
    assert not differing, differing
