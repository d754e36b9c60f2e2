"""Pages: what readers see, made from the linked site through the theme's templates."""

from pathlib import Path

THEME_DIR = Path(__file__).parent / "theme"  # the built-in templates and static files
