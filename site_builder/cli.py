"""The command line: build, check, serve, new, init, schema, diff.

Exit 0 fine, 1 content errors, 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import sys
from pathlib import Path

from . import __version__
from .build import BuildOptions, BuildResult, build_site, read_config
from .config import BASE_URL_RULE, valid_base_url
from .diagnostics import suggest
from .read.fields import parse_date
from .progress import Progress
from .schema import SCHEMA_DIR, SETTINGS
from .output.write import OutputRefused, read_manifest
from .incremental.cache import CACHE_DIR
from .incremental.sections import Damaged
from .report.problems import FORMATS, choose_format, github_command, json_report, shown


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-builder", description="Build explainer sites from Markdown and YAML.")
    parser.add_argument("--version", action="version", version=f"site-builder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def site_arg(p):
        p.add_argument("site", nargs="?", default=".", help="the site's folder (default: here)")

    p = sub.add_parser("build", help="build the site into output/")
    site_arg(p)
    p.add_argument("-o", "--output", help="write here instead of SITE/output")
    p.add_argument("--drafts", action="store_true", help="include drafts")
    p.add_argument("--future", action="store_true",
                   help="publish explainers dated after today too (they are held back until their date)")
    p.add_argument("--base-url", help="publish under this URL instead of site.yml's base_url")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _verbosity(p, "list every file written or removed")

    p = sub.add_parser("check", help="report every problem without writing anything")
    site_arg(p)
    p.add_argument("--drafts", action="store_true", help="check drafts too")
    p.add_argument("--future", action="store_true", help="check explainers dated after today as published")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--format", choices=FORMATS,
                   help="text (for people), json (for editors and tools) or github (annotations in pull requests); "
                        "default: github when GITHUB_ACTIONS=true, else text")
    _verbosity(p, "list every file a build would write")

    p = sub.add_parser("diff", help="what a change does to the site: facts, pages, claims, against a git revision")
    p.add_argument("base", nargs="?", metavar="BASE",
                   help="a git revision to compare the working tree with (default: the merge base with the "
                        "default branch, else HEAD)")
    p.add_argument("--site", default=".", help="the site's folder (default: here)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown",
                   help="markdown (default; for a pull request or its job summary) or json")
    p.add_argument("--drafts", action="store_true", help="include drafts on both sides")
    p.add_argument("--base-url", help="build both sides for this URL instead of site.yml's base_url")

    _other_commands(sub, site_arg)
    return parser


def _other_commands(sub, site_arg) -> None:
    """serve, new, init, theme and schema."""
    p = sub.add_parser("serve", help="live preview on 127.0.0.1")
    site_arg(p)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--drafts", action="store_true")
    p.add_argument("--open", action="store_true", help="open the preview in a browser")

    p = sub.add_parser("new", help="write a new explainer, page or fact sheet (never overwrites)")
    p.add_argument("kind", metavar="KIND", help="explainer, page, or a fact-sheet type from site.yml")
    p.add_argument("title", metavar="TITLE", help="the title or name; the file is named from it")
    p.add_argument("--site", default=".", help="the site's folder (default: here)")
    p.add_argument("--slug", help="the file name (without extension) instead of one made from TITLE")
    p.add_argument("--date", help="for an event: when it happened, YYYY, YYYY-MM or YYYY-MM-DD (default: today); "
                                  "its file name starts with it")

    p = sub.add_parser("init", help="start a new site in DIR that builds at once")
    p.add_argument("dir", metavar="DIR", help="a new or empty folder")

    p = sub.add_parser("theme", help="where the built-in theme is, or a copy of one of its templates to start from")
    site_arg(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--path", action="store_true", help="print the folder of the built-in theme")
    what.add_argument("--copy", metavar="NAME",
                      help="copy the built-in template NAME (e.g. explainer.html) into SITE/templates/; "
                           "never overwrites")

    p = sub.add_parser("schema", help="write a JSON Schema per fact-sheet type and point editors at them")
    site_arg(p)
    p.add_argument("--out", help=f"write the schemas here (default: SITE/{SCHEMA_DIR}/)")
    p.add_argument("--no-editor", action="store_true", help=f"do not touch {SETTINGS}")


def _verbosity(p: argparse.ArgumentParser, verbose: str) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    group.add_argument("-v", "--verbose", action="store_true", help=verbose)


def report(result: BuildResult, strict: bool, quiet: bool = False, stream=None) -> None:
    stream = stream if stream is not None else sys.stderr
    for diag in shown(result.diagnostics, strict, quiet):
        print(diag.format(), file=stream)


def report_check(result: BuildResult, fmt: str, root: Path, strict: bool, quiet: bool) -> int:
    """`check --format json|github`: everything on standard output, in that format only."""
    problems = shown(result.diagnostics, strict, quiet)
    if fmt == "json":
        sys.stdout.write(json_report(problems, root))
    else:
        for diag in problems:
            print(github_command(diag, root, os.environ))
        counts = _summary(result, strict)
        print(f"check failed: {counts}" if not result.ok else "check passed" + (f" ({counts})" if counts else ""))
    sys.stdout.flush()
    return 0 if result.ok else 1


def _summary(result: BuildResult, strict: bool) -> str:
    errors = sum(1 for d in result.diagnostics if d.severity == "error" or strict)
    warnings = sum(1 for d in result.diagnostics if d.severity == "warning") if not strict else 0
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    return _run(_parser().parse_args(argv))


_last: list = []  # the last build's result, which the process then leaves holding rather than free (see run)


def run() -> None:
    """The `site-builder` command. After `build` or `check` the process leaves at once: everything is written
    and closed by then, and freeing, object by object, what a build of 10,000 pages holds took 35 to 50 ms,
    a tenth of an edit's build (the build's result is held until then, for the same reason: 8 to 13 ms
    more). Every other command (the preview among them) exits the usual way."""
    args = _parser().parse_args()
    if args.command in ("build", "check"):
        gc.disable()  # (no cycle collection of the whole site once the build ends either: the process ends)
    code = _run(args)
    if args.command in ("build", "check"):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            code = code or 1  # (output that could not be written: as Python's own exit would say)
        os._exit(code)
    raise SystemExit(code)


def _run(args: argparse.Namespace) -> int:
    if args.command == "init":
        return init_command(Path(args.dir))
    if args.command == "new":
        return new_command(Path(args.site), args.kind, args.title, args.slug, args.date)
    if args.command == "theme":
        return theme_command(Path(args.site), args.path, args.copy)
    base_url = getattr(args, "base_url", None)  # checked as site.yml's twin is, before anything is read
    if base_url is not None and not valid_base_url(base_url):
        return _bad_base_url(base_url)
    wrong = output_problem(args.output) if getattr(args, "output", None) else ""
    if wrong:
        return _fail(wrong, 2)
    if args.command == "diff":
        from .report.command import diff_command

        return diff_command(Path(args.site), args.base, args.format,
                            BuildOptions(drafts=args.drafts, base_url=args.base_url))
    root = Path(args.site)
    if not root.is_dir():
        print(f"site-builder: error: '{args.site}' is not a folder", file=sys.stderr)
        return 2
    if args.command == "schema":
        return schema_command(root, Path(args.out) if args.out else None, editor=not args.no_editor)
    if args.command == "serve":
        from .preview.server import serve  # the only module that needs livereload and tornado

        return serve(root, host=args.host, port=args.port, drafts=args.drafts, open_browser=args.open)
    return build_command(args, root)


def build_command(args: argparse.Namespace, root: Path) -> int:
    """`build` and `check`: one build (written or not), its problems, and a closing line."""
    options = BuildOptions(drafts=args.drafts, future=args.future, strict=args.strict,
                           base_url=getattr(args, "base_url", None),
                           out=Path(args.output) if getattr(args, "output", None) else None)
    out = options.out or root / "output"
    before = (read_manifest(out) or {}) if args.command == "build" and args.verbose else {}
    fmt = choose_format(getattr(args, "format", None), os.environ) if args.command == "check" else "text"
    progress = Progress(sys.stderr, enabled=None if not args.quiet and fmt == "text" else False)
    progress.start("reading and checking the site")
    try:
        result = build_site(root, options, write=(args.command == "build"), progress=progress)
        _last[:] = [result]  # (held until the process leaves: see run)
    except OutputRefused as exc:
        print(f"site-builder: error: {exc}", file=sys.stderr)
        return 2
    except Damaged as exc:  # (found again after the build started over: the saved state could not be removed)
        print(f"site-builder: error: {exc}; remove the folder {CACHE_DIR} in the site and build again",
              file=sys.stderr)
        return 2
    except OSError as exc:  # the system refused a write (a full disk, a read-only or special file system)
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"site-builder: error: could not write the site: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    finally:
        progress.close()
    if fmt != "text":
        return report_check(result, fmt, root, args.strict, args.quiet)
    report(result, args.strict, args.quiet)
    counts = _summary(result, args.strict)
    if not result.ok:
        print(f"{args.command} failed: {counts}; nothing was written" if args.command == "build"
              else f"check failed: {counts}", file=sys.stderr)
        return 1
    if args.verbose and args.command == "build":
        _list_changes(before, read_manifest(out) or {})
    elif args.verbose:
        for path in sorted(result.outputs):  # what a build would write (and the search index, if installed)
            print(f"  would write {path}")
    if not args.quiet:
        pages = sum(1 for r in result.routes if not r.spec.copied)
        for note in result.notes if args.command == "build" else ():
            print(f"note: {note}", file=sys.stderr)
        if args.command == "build":
            s = result.stats
            print(f"built {pages} pages and {len(result.routes) - pages} files in {result.seconds:.2f} s: "
                  f"{s.written} written, {s.unchanged} unchanged, {s.removed} removed"
                  + (f" ({counts})" if counts else ""))
        else:
            print(f"check passed: {pages} pages in {result.seconds:.2f} s" + (f" ({counts})" if counts else ""))
    return 0


def output_problem(given: str) -> str:
    """Why -o cannot name an output folder ("" when it can): a path through a file, or where nothing can be made."""
    path = Path(os.path.abspath(given))
    existing = next(p for p in (path, *path.parents) if os.path.lexists(p))
    if existing != path and not existing.is_dir():
        return f"-o {given!r}: '{existing.name}' is a file, not a folder"
    if existing.is_dir() and not os.access(existing, os.W_OK):
        return f"-o {given!r}: this user cannot write in '{existing}'"
    return ""


def _list_changes(before: dict, after: dict) -> None:
    """--verbose: every output file this build wrote or removed, from the manifests before and after."""
    for path in sorted(after):
        if before.get(path) != after[path]:
            print(f"  wrote {path}")
    for path in sorted(set(before) - set(after)):
        print(f"  removed {path}")


def _bad_base_url(value: str) -> int:
    """--base-url follows site.yml's rule for base_url; a usage error (exit 2), before anything is read."""
    bare = "://" not in value and "." in value.split("/", 1)[0]
    return _fail(f"--base-url '{value}': {BASE_URL_RULE.removeprefix('base_url ')}", 2,
                 f"write it with its scheme: --base-url https://{value}" if bare
                 else "give the address the site is served at, with https:// and its path, or / for any folder")


def _fail(message: str, code: int, hint: str = "") -> int:
    print(f"site-builder: error: {message}", file=sys.stderr)
    if hint:
        print(f"    hint: {hint}", file=sys.stderr)
    return code


def _site_config(root: Path):
    """site.yml of the site at root, or (None, exit code) after saying what is wrong."""
    if not (root / "site.yml").is_file():
        where = "here" if str(root) == "." else f"in '{root}'"
        return None, _fail(f"no site.yml {where}: is this a site's folder?", 2,
                           "run the command in the site's folder, or give it with --site (new) or SITE (schema)")
    config, problems = read_config(root, BuildOptions())
    if config is None or problems.has_errors():
        for diag in problems.sorted():
            print(diag.format(), file=sys.stderr)
        return None, _fail("site.yml has errors; fix them first", 1)
    return config, 0


def init_command(dest: Path) -> int:
    from .scaffold import ScaffoldRefused, init_site

    try:
        written = init_site(dest)
    except ScaffoldRefused as exc:
        return _fail(exc.message, exc.code, exc.hint)
    for rel in written:
        print(f"  wrote {(dest / rel).as_posix()}")
    if schema_command(dest, None, editor=True, quiet=True) == 0:
        print(f"  wrote {(dest / SCHEMA_DIR).as_posix()}/ and {(dest / SETTINGS).as_posix()} "
              "(editors check fact sheets as you type)")
    print(f"A new site is in {dest}; its README.md says how to work on it and publish it. Next:\n"
          f"  cd {dest}\n  site-builder build     (the site, in output/)\n"
          "  site-builder serve     (a live preview; it runs until Ctrl+C, so use another terminal for the rest)")
    return 0


def new_command(root: Path, kind: str, title: str, slug: str | None, date: str | None = None) -> int:
    from .scaffold import DATED_RE, ScaffoldRefused, new_document, new_factsheet, slug_for

    if not root.is_dir():
        return _fail(f"'{root}' is not a folder", 2)
    config, code = _site_config(root)
    if config is None:
        return code
    try:
        if kind in ("explainer", "page"):
            path = new_document(root, kind, title, slug)
        else:
            tspec = config.type(kind) or None
            if tspec is None:
                names = ["explainer", "page"] + [t.name for t in config.types]
                folders = {t.folder: t.name for t in config.types}  # `new people` means `new person`
                close = [folders.get(c, c) for c in suggest(kind, names + list(folders))]
                close = list(dict.fromkeys(close))
                hint = " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)" if close else ""
                return _fail(f"unknown kind '{kind}'{hint}", 2, "kinds are " + ", ".join(names))
            if date is not None and (tspec.name != "event" or parse_date(date)[0] is None):
                return _fail(f"--date '{date}': " + ("only events take a date" if tspec.name != "event"
                                                     else parse_date(date)[1]), 2)
            path = new_factsheet(root, config, tspec, title, slug, date or "")
    except ScaffoldRefused as exc:
        return _fail(exc.message, exc.code, exc.hint)
    print(path.as_posix())
    if kind not in ("explainer", "page") and tspec.name == "event" and date is None and \
            path.stem.startswith(datetime.date.today().isoformat()) and not DATED_RE.match(slug_for(title)):
        print("note: the event is dated today, and so is its file name; for the day it happened, give it with "
              f"--date: site-builder new event \"{title}\" --date YYYY-MM-DD", file=sys.stderr)
    if kind not in ("explainer", "page"):
        others = sorted(p.parent.name for p in (root / "content" / "facts").glob(f"*/{path.name}") if p != path)
        if others:
            print(f"note: {others[0]}/{path.stem} exists too; refer to this one as "
                  f"[[{tspec.folder}/{path.stem}]], with its folder", file=sys.stderr)
    return 0


def theme_command(root: Path, path: bool, name: str | None) -> int:
    from .pages.templates import THEME_DIR, THEME_PREFIX
    from .scaffold import ScaffoldRefused
    from .themefiles import copy_theme_file

    if path:
        print(THEME_DIR)
        return 0
    if not (root / "site.yml").is_file():
        return _fail(f"no site.yml in '{root}': is this a site's folder?", 2,
                     "run the command in the site's folder, or give it: site-builder theme SITE --copy NAME")
    try:
        written = copy_theme_file(root, name)
    except ScaffoldRefused as exc:
        return _fail(exc.message, exc.code, exc.hint)
    shown = written.relative_to(root).as_posix()
    print(written.as_posix())
    if shown.endswith(".html"):
        print(f"note: {shown} now replaces the built-in one; to change only part of it, keep the blocks you change "
              f'and start the file with {{% extends "{THEME_PREFIX}{written.name}" %}}', file=sys.stderr)
    return 0


def schema_command(root: Path, out: Path | None, editor: bool, quiet: bool = False) -> int:
    from .schema import SettingsProblem, editor_mapping, update_settings, write_schemas

    config, code = _site_config(root)
    if config is None:
        return code
    out_dir = out if out is not None else root / SCHEMA_DIR
    written = write_schemas(config, out_dir)
    if not quiet:
        print(f"{len(config.types)} schemas in {out_dir.as_posix()}/ ({len(written)} written, "
              f"{len(config.types) - len(written)} unchanged)")
    if not editor:
        return 0
    try:
        said = update_settings(root, editor_mapping(config, root, out_dir), out_dir)
    except SettingsProblem as exc:
        return _fail(str(exc), 1, "add the 'yaml.schemas' entries by hand; docs/writing.md shows them")
    if not quiet:
        print(said)
    return 0
