"""The Jinja environment: the site's templates first, then the built-in theme; what each route's templates reach."""

from __future__ import annotations

import marshal
import sys
import types
from pathlib import Path
from typing import Iterable

import jinja2
import jinja2.meta
from jinja2.sandbox import SandboxedEnvironment

from ..config import SiteConfig
from ..diagnostics import Location
from ..files import atomic_write, read_regular, real_folder
from ..i18n import jinja as i18n
from ..model import PartialDate
from ..site.index import Unreadable

from . import THEME_DIR

THEME_PREFIX = "theme/"  # {% extends "theme/explainer.html" %}: the built-in template, even where the site has its own
ANY_TEMPLATE = "\x00any"  # reached by a route whose templates cannot be known statically


class TemplateProblem(Exception):
    def __init__(self, message: str, location: Location, hint: str = ""):
        super().__init__(message)
        self.message, self.location, self.hint = message, location, hint


def make_environment(root: Path | None, template_files: dict[str, str], config: SiteConfig,
                     compiled: "ThemeCode | None" = None) -> jinja2.Environment:
    """Site templates override the built-in theme file by file, and reach the built-in ones by the prefix
    'theme/' (so a site's explainer.html can extend the built-in explainer.html); autoescaping and
    StrictUndefined always.

    The environment speaks the site's language; `for_language` gives the one for each other language
    the site publishes (the same templates, with that language's interface text and dates).
    `compiled`: where the built-in theme's compiled templates are kept between runs (see ThemeCode)."""
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / "templates").is_dir():
        site_templates = {
            rel.removeprefix("templates/"): text for rel, text in template_files.items() if text is not None
        }
        loaders.append(_DictLoader(site_templates, "templates/"))
    loaders.append(jinja2.FileSystemLoader(str(THEME_DIR)))
    loaders.append(jinja2.PrefixLoader({THEME_PREFIX.rstrip("/"): jinja2.FileSystemLoader(str(THEME_DIR))}))
    loader = jinja2.ChoiceLoader(loaders)
    envs = {language: _environment(loader, language, compiled) for language in config.published}
    for env in envs.values():
        env.languages = envs
    return envs[config.language]


class SiteEnvironment(SandboxedEnvironment):
    """Jinja's sandbox (site templates may not reach Python internals: no __globals__, no os), in one language."""

    languages: dict  # every language's environment, by language
    _DICT_NAMES = frozenset(dir(dict))  # `d.items` is the method: these names go the sandbox's way

    def getattr(self, obj, attribute):
        """`page.title` on the plain dicts a page's context is made of: the key, as the sandbox finds it once no
        attribute has the name, without first raising that no attribute has it (most of what a page reads)."""
        if type(obj) is dict and attribute not in self._DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def for_language(env: jinja2.Environment, language: str) -> jinja2.Environment:
    """The environment that renders pages in `language` (the site's own when it is "")."""
    return getattr(env, "languages", {}).get(language, env) if language else env


def _environment(loader: jinja2.BaseLoader, language: str, compiled: "ThemeCode | None") -> SiteEnvironment:
    env = SiteEnvironment(
        loader=loader,
        bytecode_cache=compiled,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = lambda d: d.iso() if isinstance(d, PartialDate) else str(d)
    i18n.install(env, language)  # {% trans %}, _() and the date filter, in this language
    return env


class ThemeCode(jinja2.BytecodeCache):
    """The built-in theme's templates, compiled, kept beside the builder's own code (as Python keeps its
    __pycache__): a command-line build then compiles none of them again.

    Only the theme shipped with the builder is kept, never a site's templates (the code of a file in a
    site's folder is never read back). A kept file holds its template's source checksum and `tag`,
    which the caller makes from what shapes the compiled code (the builder's code, Jinja's and
    Python's versions); any mismatch, damage or a folder that cannot be written only means compiling
    again. Written under a temporary name and renamed, never through a link."""

    _FORMAT = b"sb-theme-code-1\n"

    def __init__(self, folder: Path, tag: str):
        self.folder, self.tag = folder, tag.encode()

    def _head(self, checksum: str) -> bytes:
        """What a kept file starts with: the format, the tag and the source's checksum, a line each."""
        return self._FORMAT + self.tag + b"\n" + checksum.encode() + b"\n"

    def get_bucket(self, environment, name, filename, source):
        bucket = jinja2.bccache.Bucket(environment, self.get_cache_key(name, filename), "")
        if filename is None or not _in_theme(filename):
            bucket.key = None  # a site's template: compiled every time, never kept
            return bucket
        bucket.checksum = self.get_source_checksum(source)
        data = read_regular(self.folder / bucket.key)
        head = self._head(bucket.checksum)
        if data is not None and data.startswith(head):
            try:
                code = marshal.loads(memoryview(data)[len(head):])
            except (EOFError, ValueError, TypeError):
                code = None
            bucket.code = code if isinstance(code, types.CodeType) else None
        return bucket

    def set_bucket(self, bucket) -> None:
        if bucket.key is None or bucket.code is None:
            return
        head = self._head(bucket.checksum)
        try:
            if real_folder(self.folder.parent) and real_folder(self.folder):
                atomic_write(self.folder / bucket.key, head + marshal.dumps(bucket.code))
        except (OSError, ValueError):
            pass  # a read-only install: compiled again next time


def _in_theme(filename: str) -> bool:
    """Whether a template's file is the built-in theme's (a site's are named relative to the site: never)."""
    try:
        return Path(filename).is_absolute() and Path(filename).resolve().is_relative_to(THEME_DIR.resolve())
    except (OSError, ValueError):
        return False


class _DictLoader(jinja2.BaseLoader):
    """The site's own templates, from text already read by discover (so the build sees one snapshot)."""

    def __init__(self, mapping: dict[str, str], prefix: str):
        self.mapping, self.prefix = mapping, prefix

    def get_source(self, environment, template):
        if template not in self.mapping:
            raise jinja2.TemplateNotFound(template)
        return self.mapping[template], self.prefix + template, lambda: True

    def list_templates(self):
        return sorted(self.mapping)


def template_location(exc: BaseException, default: str) -> Location:
    """The template file and line where a render failed, from Jinja's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Location(_template_name(exc.filename or exc.name or default), exc.lineno or 0)
    tb = exc.__traceback__
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            found = Location(_template_name(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found or Location(_template_name(default))


def _template_name(filename: str) -> str:
    if filename.startswith("templates/"):
        return filename
    try:
        return "(built-in theme) " + Path(filename).relative_to(THEME_DIR).as_posix()
    except ValueError:
        return filename


def render_template(env: jinja2.Environment, names: list[str], context: dict) -> bytes:
    """Render the first template that exists; template mistakes become TemplateProblem."""
    try:
        template = env.select_template(names)
        return template.render(context).encode("utf-8")
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template '{exc.name}' not found", template_location(exc, names[0]),
                              "add it to templates/ or use a built-in template name") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax: {exc.message}", template_location(exc, names[0])) from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template error: {exc.message}", template_location(exc, names[0]),
                              "check the variable name; the site builders' guide lists what each page gets") from None
    except (TemplateProblem, Unreadable):
        raise
    except RecursionError as exc:  # {% extends "explainer.html" %} in templates/explainer.html
        loc = template_location(exc, names[0])
        name = loc.rel_path.removeprefix("templates/")
        raise TemplateProblem(f"template '{name}' extends or includes itself, which never ends", loc,
                              f'to build on the built-in {name}, write {{% extends "{THEME_PREFIX}{name}" %}}') from None
    except Exception as exc:  # a template mistake (wrong filter argument, bad call): show where it happened
        loc = template_location(exc, names[0])
        if loc.rel_path.startswith("(built-in theme)") and not isinstance(exc, (KeyError, jinja2.TemplateError)):
            raise
        message = f"unknown reference '{exc.args[0]}'" if isinstance(exc, KeyError) else f"template error: {exc}"
        raise TemplateProblem(message, loc).with_traceback(sys.exc_info()[2]) from None


class TemplateDeps:
    """The template names each route's rendering can reach, found statically through jinja2.meta."""

    def __init__(self, env: jinja2.Environment, reached: dict[str, frozenset[str]] | None = None):
        self.env = env
        self.reached = reached if reached is not None else {}  # name -> reach(name); given: the same templates'
        self._reach = self.reached
        self._exists_memo: dict[str, bool] = {}
        self._names: dict[tuple, frozenset[str]] = {}
        self._refs: dict[str, tuple] = {}  # name -> the names its source refers to (each source parsed once)

    def _exists(self, name: str) -> bool:
        found = self._exists_memo.get(name)
        if found is None:
            try:
                self.env.loader.get_source(self.env, name)
                found = True
            except jinja2.TemplateNotFound:
                found = False
            self._exists_memo[name] = found
        return found

    def reach(self, name: str) -> frozenset[str]:
        """name and everything it extends, includes or imports, transitively."""
        found = self._reach.get(name)
        if found is not None:
            return found
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for ref in self._referenced(current):
                if ref is None:
                    seen.add(ANY_TEMPLATE)
                else:
                    todo.append(ref)
        result = frozenset(seen)
        self._reach[name] = result
        return result

    def _referenced(self, name: str) -> tuple:
        """The names one template extends, includes or imports (None for a name only known when it renders)."""
        found = self._refs.get(name)
        if found is None:
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)
                found = tuple(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateNotFound:
                found = ()  # missing: the name stays a dependency (adding it changes the page)
            except jinja2.TemplateSyntaxError:
                found = ()  # reported when the page renders
            self._refs[name] = found
        return found

    def for_names(self, names: Iterable[str]) -> frozenset[str]:
        """select_template(names): the names tried up to the first that exists, and all it reaches."""
        names = tuple(names)
        memo = self._names.get(names)
        if memo is not None:
            return memo
        out: set[str] = set()
        for name in names:
            if self._exists(name):
                out |= self.reach(name)
                break
            out.add(name)
        self._names[names] = frozenset(out)
        return self._names[names]


def affects(reach: frozenset[str], changed: set[str]) -> bool:
    """Whether a route whose templates reach `reach` is changed by these site templates changing."""
    return bool(changed) and (ANY_TEMPLATE in reach or not reach.isdisjoint(changed))
