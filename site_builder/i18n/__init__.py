"""Languages: the interface text of the theme (Babel catalogs through Jinja's i18n extension), dates
as each language writes them, which way a language's script runs, and the languages a site publishes.

- `locales`: language codes (checked against Babel's locale data), names, direction, and dates;
- `catalogs`: the theme's catalogs, kept as `.po` sources in `pages/theme/locale/` and compiled in
  memory the first time a build needs a language (there is no compiled `.mo` file to keep in step);
- `jinja`: a Jinja environment's interface text and `date` filter for one language.
"""
