"""The command line: build, check, serve, new, init. Exit 0 fine, 1 content errors, 2 wrong command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .build import BuildOptions, BuildResult, build_site
from .write import OutputRefused


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
    p.add_argument("--base-url", help="publish under this URL instead of site.yml's base_url")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _verbosity(p)

    p = sub.add_parser("check", help="report every problem without writing anything")
    site_arg(p)
    p.add_argument("--drafts", action="store_true", help="check drafts too")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _verbosity(p)

    p = sub.add_parser("serve", help="live preview on 127.0.0.1")
    site_arg(p)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--drafts", action="store_true")
    p.add_argument("--open", action="store_true", help="open the preview in a browser")
    return parser


def _verbosity(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    group.add_argument("-v", "--verbose", action="store_true", help="print every file written")


def report(result: BuildResult, strict: bool, quiet: bool = False, stream=sys.stderr) -> None:
    for diag in result.diagnostics:
        if quiet and diag.severity == "warning" and not strict:
            continue
        if strict and diag.severity == "warning":
            diag = type(diag)("error", diag.message + " [strict]", diag.location, diag.hint)
        print(diag.format(), file=stream)


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
    args = _parser().parse_args(argv)
    root = Path(args.site)
    if not root.is_dir():
        print(f"site-builder: error: '{args.site}' is not a folder", file=sys.stderr)
        return 2
    if args.command == "serve":
        from .serve import serve  # the only module that needs livereload

        return serve(root, host=args.host, port=args.port, drafts=args.drafts, open_browser=args.open)
    options = BuildOptions(drafts=args.drafts, strict=args.strict,
                           base_url=getattr(args, "base_url", None),
                           out=Path(args.output) if getattr(args, "output", None) else None)
    try:
        result = build_site(root, options, write=(args.command == "build"))
    except OutputRefused as exc:
        print(f"site-builder: error: {exc}", file=sys.stderr)
        return 2
    report(result, args.strict, args.quiet)
    counts = _summary(result, args.strict)
    if not result.ok:
        print(f"{args.command} failed: {counts}; nothing was written" if args.command == "build"
              else f"check failed: {counts}", file=sys.stderr)
        return 1
    if not args.quiet:
        pages = sum(1 for r in result.routes if r.kind != "asset")
        if args.command == "build":
            s = result.stats
            print(f"built {pages} pages and {len(result.routes) - pages} files in {result.seconds:.2f} s: "
                  f"{s.written} written, {s.unchanged} unchanged, {s.removed} removed"
                  + (f" ({counts})" if counts else ""))
        else:
            print(f"check passed: {pages} pages" + (f" ({counts})" if counts else ""))
    return 0
