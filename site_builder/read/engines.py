"""The Markdown engines, and site.yml's settings for them.

cmark-gfm (C, the default) is CommonMark with GitHub's tables, strikethrough and autolinks, plus
footnotes and smart punctuation. Python-Markdown is the choice for writers who rely on its
extensions (admonitions, attribute lists, pymdown-extensions); it starts from the extensions
that come closest to cmark-gfm's dialect, and a site adds its own with `markdown_extensions:`.
Both get the same text (placeholders for references, citations, file links and maths) and their
HTML goes through the same steps after (highlighting, callouts, headings, maths).
"""

from __future__ import annotations

import importlib
import json
import re

from ..diagnostics import Problems, did_you_mean, suggest

ENGINES = ("cmark-gfm", "python-markdown")
RAW_HTML = ("allow", "escape")
MARKDOWN_KEYS = ("engine", "raw_html")
# Python-Markdown's extensions that come closest to cmark-gfm: tables, footnotes, fenced code,
# lists as CommonMark starts and ends them, and typographic quotes and dashes
BASE_EXTENSIONS = ("tables", "footnotes", "fenced_code", "sane_lists", "smarty")

_EXTENSIONS = ["table", "strikethrough", "autolink"]


class Cmark:
    """cmark-gfm: raw HTML passes through (allow) or was escaped before (escape).

    cmarkgfm's one-call converter never frees the tree it parses nor the HTML it renders (about 60 KB
    for a page of 6 KB, for as long as the process lives: a preview edited all day, and the parent of
    a build, which parses its share of the files). So the converter is called step by step here and
    both are given back; what frees them is looked up in the C library (see `_releasers`)."""

    def __init__(self, raw_html: str):
        from cmarkgfm import _cmark, cmark  # the C converter, loaded when something is parsed
        cmark.core_extensions_ensure_registered()
        self._lib, self._ffi = _cmark.lib, _cmark.ffi
        self._extensions = [cmark.find_syntax_extension(name) for name in _EXTENSIONS]
        self._free_tree, self._free = _releasers(_cmark.__file__)
        options = cmark.Options
        self._options = (options.CMARK_OPT_FOOTNOTES | options.CMARK_OPT_SMART
                         | options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
                         | (options.CMARK_OPT_UNSAFE if raw_html == "allow" else 0))

    def convert(self, text: str) -> str:
        lib, data = self._lib, text.encode("utf-8")
        parser = lib.cmark_parser_new(self._options)
        try:
            for extension in self._extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            try:
                html = lib.cmark_render_html(root, self._options, lib.cmark_parser_get_syntax_extensions(parser))
                try:
                    return self._ffi.string(html).decode("utf-8")
                finally:
                    self._free(self._address(html))
            finally:
                self._free_tree(self._address(root))
        finally:
            lib.cmark_parser_free(parser)

    def _address(self, pointer) -> int:
        return int(self._ffi.cast("uintptr_t", pointer))


def _releasers(library: str):
    """cmark-gfm's own functions that free a tree of nodes and a buffer it allocated (its default
    allocator's), called by address; where the library does not export them nothing is freed."""
    import ctypes

    class Allocator(ctypes.Structure):  # cmark_mem
        _fields_ = [("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p),
                    ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]
    try:
        found = ctypes.CDLL(library)
        free_tree, allocator = found.cmark_node_free, found.cmark_get_default_mem_allocator
    except (OSError, AttributeError):
        return _kept, _kept
    free_tree.argtypes, free_tree.restype = [ctypes.c_void_p], None
    allocator.argtypes, allocator.restype = [], ctypes.POINTER(Allocator)
    return free_tree, allocator().contents.free


def _kept(address: int) -> None:
    """Frees nothing (a library without the functions that free)."""


class PythonMarkdown:
    """Python-Markdown with the base extensions and the site's; made when first used."""

    def __init__(self, raw_html: str, extensions: tuple[tuple[str, str], ...]):
        self.raw_html, self.extensions = raw_html, extensions
        self._md = None

    def convert(self, text: str) -> str:
        if self._md is None:
            self._md = make_python_markdown(self.extensions)
            self._md.ESCAPED_CHARS.append("$")  # \$ is a dollar sign, not maths, as with cmark-gfm
            if self.raw_html != "allow":  # HTML written in the text is shown as text
                for registry, name in ((self._md.preprocessors, "html_block"), (self._md.inlinePatterns, "html")):
                    if name in registry:
                        registry.deregister(name)
        self._md.reset()
        return self._md.convert(text)


def make_python_markdown(extensions: tuple[tuple[str, str], ...]):
    """A Python-Markdown converter with the base extensions and (name, options as JSON) pairs."""
    import markdown

    names = list(BASE_EXTENSIONS)
    configs: dict[str, dict] = {}
    for name, options in extensions:
        if name not in names:
            names.append(name)
        if options != "{}":
            configs[name] = json.loads(options)
    return markdown.Markdown(extensions=names, extension_configs=configs, output_format="html")


def make_engine(engine: str, raw_html: str, extensions: tuple[tuple[str, str], ...]):
    return PythonMarkdown(raw_html, extensions) if engine == "python-markdown" else Cmark(raw_html)


def _extension_names() -> list[str]:
    """The extension names Python-Markdown can load by name, for suggestions."""
    from importlib import metadata
    import pkgutil

    names = [e.name for e in metadata.entry_points(group="markdown.extensions")]
    try:
        import pymdownx
    except ImportError:
        return names
    for module in (m for m in pkgutil.iter_modules(pymdownx.__path__) if not m.name.startswith("_")):
        try:  # only the modules that are extensions (not pymdownx.util, ...)
            if hasattr(importlib.import_module(f"pymdownx.{module.name}"), "makeExtension"):
                names.append(f"pymdownx.{module.name}")
        except Exception:  # a module that does not import here is not offered
            continue
    return names


def _check_extension(name: str, options: dict, where, problems: Problems) -> bool:
    """Whether Python-Markdown loads the extension with these options; an error where not."""
    import markdown

    try:
        markdown.Markdown(extensions=[name], extension_configs={name: options} if options else {})
    except ImportError:
        names = _extension_names()
        problems.error(f"unknown Markdown extension '{name}'{did_you_mean(name, names)}", where,
                       "install the package that provides it (pip install pymdown-extensions for pymdownx.*)",
                       suggestions=suggest(name, names))
        return False
    except Exception as exc:  # an extension's own complaint about its options, whatever its class
        problems.error(f"the Markdown extension '{name}' does not accept these options: {exc}", where,
                       "see the extension's documentation for its options")
        return False
    return True


def load_markdown_settings(data: dict, marks, problems: Problems) -> tuple[str, str, tuple]:
    """(raw_html, engine, extensions) from site.yml's `markdown` and `markdown_extensions`."""
    raw_html, engine = "allow", "cmark-gfm"
    md = data.get("markdown")
    if isinstance(md, str):
        md = {"engine": md}
    elif md is not None and not isinstance(md, dict):
        problems.error("markdown must be an engine name or a mapping, e.g. {raw_html: escape}", marks.at(("markdown",)))
        md = None
    where = ("markdown",) if isinstance(data.get("markdown"), str) else ("markdown", "engine")
    for key in md or {}:
        if key not in MARKDOWN_KEYS:
            problems.error(f"unknown markdown setting '{key}'{did_you_mean(str(key), MARKDOWN_KEYS)}",
                           marks.key(("markdown", key)), suggestions=suggest(str(key), MARKDOWN_KEYS))
    if md is not None:
        engine = md.get("engine", engine)
        if engine not in ENGINES:
            problems.error(f"the markdown engine must be one of: {', '.join(ENGINES)}"
                           f"{did_you_mean(str(engine), ENGINES)}", marks.at(where),
                           "cmark-gfm is the default; python-markdown takes markdown_extensions",
                           suggestions=suggest(str(engine), ENGINES))
            engine = "cmark-gfm"
        raw_html = md.get("raw_html", raw_html)
        if raw_html not in RAW_HTML:
            problems.error("markdown.raw_html must be 'allow' or 'escape'", marks.at(("markdown", "raw_html")))
            raw_html = "escape"
    return raw_html, engine, _load_extensions(data, engine, marks, problems)


def _load_extensions(data: dict, engine: str, marks, problems: Problems) -> tuple:
    raw = data.get("markdown_extensions")
    if raw is None:
        return ()
    if engine != "python-markdown":
        problems.error("markdown_extensions need the python-markdown engine", marks.at(("markdown_extensions",)),
                       "add markdown: python-markdown, or remove markdown_extensions")
        return ()
    if not isinstance(raw, list):
        problems.error("markdown_extensions must be a list of extension names", marks.at(("markdown_extensions",)),
                       "e.g. [admonition, attr_list]")
        return ()
    out = []
    for i, item in enumerate(raw):
        name, options = item, {}
        if isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
        if not isinstance(name, str) or not re.match(r"^[A-Za-z_][\w.]*(?::\w+)?$", name) or \
                not isinstance(options, dict):
            problems.error("each markdown extension is a name, or a name with its options: {name: {option: value}}",
                           marks.at(("markdown_extensions", i)))
            continue
        if not _check_extension(name, options, marks.at(("markdown_extensions", i)), problems):
            continue
        out.append((name, json.dumps(options, sort_keys=True, default=str)))
    return tuple(out)
