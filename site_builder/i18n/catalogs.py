"""The theme's interface text in each language: `.po` catalogs shipped in the package, compiled once.

The catalogs are the sources (`pages/theme/locale/<language>.po`). A build compiles the one it needs
the first time it needs it, and keeps the compiled form beside the builder's own compiled code
(`pages/__pycache__/theme/locale/`, as Python keeps its __pycache__), named by the catalog's digest:
an edited catalog has another digest, so it is compiled again and used as it is, with nothing to
keep in step. A command-line build then reads a small `.mo` file rather than loading Babel's catalog
parser (about 20 ms of each build). A language without a catalog of its own takes its base
language's (`pt-BR` takes `pt`), then falls back to the theme's own English text.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from functools import lru_cache
from pathlib import Path

from ..files import atomic_write, digest_bytes, read_regular, real_folder

LOCALE_DIR = Path(__file__).resolve().parent.parent / "pages" / "theme" / "locale"
COMPILED_DIR = LOCALE_DIR.parent.parent / "__pycache__" / "theme" / "locale"
SHIPPED = ("en", "de", "fr", "ru", "ko")  # the languages the theme's interface text is translated into
# the folders whose modules say things in the page's language, through gettext(language, "..."): page titles
# and descriptions, list labels, disputed values, and the words Markdown gets (heading links, callouts)
PYTHON_FOLDERS = ("pages", "read")


def catalog_file(language: str) -> Path | None:
    """The catalog a language uses: its own, else its base language's ('pt-BR' -> 'pt'), else none."""
    for code in (language.replace("-", "_"), language.split("-")[0]):
        path = LOCALE_DIR / f"{code}.po"
        if code and path.is_file():
            return path
    return None


def read_catalog(path: Path):
    from babel.messages.pofile import read_po  # loaded only to compile a catalog, or to check one

    with open(path, "rb") as f:
        return read_po(f, locale=path.stem)


@lru_cache(maxsize=None)
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """The interface text for a language (the theme's English where it has no catalog)."""
    path = catalog_file(language)
    if path is None:
        return stdlib_gettext.NullTranslations()
    kept = COMPILED_DIR / f"{path.stem}-{digest_bytes(path.read_bytes())}.mo"
    compiled = read_regular(kept)
    if compiled is not None:
        try:
            return stdlib_gettext.GNUTranslations(io.BytesIO(compiled))
        except Exception:  # noqa: BLE001 (damaged: any error the reader raises only means compiling again)
            pass
    compiled = _compile(path)
    _keep(kept, compiled)
    return stdlib_gettext.GNUTranslations(io.BytesIO(compiled))


def _compile(path: Path) -> bytes:
    from babel.messages.mofile import write_mo  # loaded only when a catalog is compiled

    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(path), use_fuzzy=False)
    return compiled.getvalue()


def _keep(kept: Path, compiled: bytes) -> None:
    """Keep a compiled catalog (best effort: where the package's folder cannot be written, it is compiled
    each time); the forms compiled from other versions of the same catalog go."""
    try:
        if all(real_folder(p) for p in (kept.parent.parent.parent, kept.parent.parent, kept.parent)):
            for old in kept.parent.glob(f"{kept.name.split('-')[0]}-*.mo"):
                old.unlink()
            atomic_write(kept, compiled)
    except OSError:
        pass


def gettext(language: str, message: str, **values) -> str:
    """One interface string in a language, with %(name)s filled in (for text made outside templates)."""
    text = translations(language).gettext(message)
    return text % values if values else text


def ngettext(language: str, singular: str, plural: str, num: int, **values) -> str:
    """One interface string in a language in the form `num` takes, with %(num)d and %(name)s filled in."""
    return translations(language).ngettext(singular, plural, num) % {"num": num, **values}


def theme_messages() -> dict[str, str]:
    """Every interface string of the built-in theme: message -> where it is first used."""
    import jinja2
    from babel.messages.extract import extract

    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    theme = LOCALE_DIR.parent
    found: dict[str, str] = {}
    for path in sorted(theme.glob("*.html")) + sorted(theme.glob("*.xml")):
        for line, _, message in env.extract_translations(path.read_text("utf-8")):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text:
                    found.setdefault(text, f"{path.name}:{line}")
    package = theme.parent.parent
    for path in sorted(path for folder in PYTHON_FOLDERS for path in (package / folder).glob("*.py")):
        rel = path.relative_to(package).as_posix()
        with open(path, "rb") as f:
            for line, message, _, _ in extract("python", f, keywords={"gettext": (2,), "ngettext": (2, 3)}):
                for text in (message if isinstance(message, tuple) else (message,)):
                    if text:
                        found.setdefault(text, f"{rel}:{line}")
    return found
