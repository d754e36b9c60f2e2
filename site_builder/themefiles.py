"""`site-builder theme`: where the built-in theme lives, and a copy of one of its templates to start from."""

from __future__ import annotations

from pathlib import Path

from .diagnostics import suggest
from .pages.templates import THEME_DIR, THEME_PREFIX
from .scaffold import ScaffoldRefused, create_file


def theme_names() -> list[str]:
    """Every file of the built-in theme, by the name a site's templates/ folder gives it ('explainer.html',
    'static/style.css')."""
    return sorted(p.relative_to(THEME_DIR).as_posix() for p in THEME_DIR.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def copy_theme_file(root: Path, name: str) -> Path:
    """Copy one built-in file into SITE/templates/ under the same name; never overwrites. Returns its path."""
    names = theme_names()
    name = name.removeprefix(THEME_PREFIX)
    if name not in names:
        close = suggest(name, names)
        hint = "built-in templates: " + ", ".join(n for n in names if not n.startswith("static/"))
        raise ScaffoldRefused(f"the built-in theme has no '{name}'"
                              + (" (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)" if close else ""),
                              2, hint)
    path = root / "templates" / name
    if path.exists():
        raise ScaffoldRefused(f"{path.as_posix()} already exists; nothing was written",
                              hint="edit it, or move it away first to start again from the built-in one")
    data = (THEME_DIR / name).read_bytes()
    if name.endswith((".html", ".xml", ".txt")):
        create_file(path, data.decode("utf-8"))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(data)
    return path
