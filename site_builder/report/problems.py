"""How `check` prints problems: text for people, JSON for editors and tools, workflow commands for GitHub.

The JSON form is a stable interface, described by docs/check-report.schema.json: one object per
problem with severity, file, line, column, message, hint and suggestions. Fields may be added in a
later version 1 report; none is removed or changes meaning without a new version number.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping

from ..diagnostics import Diagnostic

FORMATS = ("text", "json", "github")
CHECK_FORMAT = "site-builder check"
CHECK_VERSION = 1


def choose_format(given: str | None, environ: Mapping[str, str]) -> str:
    """The format asked for; without one, workflow commands inside GitHub Actions and text elsewhere."""
    if given:
        return given
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def shown(diagnostics: Iterable[Diagnostic], strict: bool, quiet: bool) -> list[Diagnostic]:
    """The problems a run reports: with strict, warnings count as errors; quiet leaves warnings out."""
    out = []
    for diag in diagnostics:
        if diag.severity == "warning":
            if strict:
                diag = replace(diag, severity="error", message=diag.message + " [strict]")
            elif quiet:
                continue
        out.append(diag)
    return out


def record(diag: Diagnostic) -> dict:
    """One problem as the JSON report gives it (line and column are 0 when the problem is about a whole file)."""
    loc = diag.location
    return {"severity": diag.severity, "file": loc.rel_path, "line": loc.line, "column": loc.col,
            "message": diag.message, "hint": diag.hint, "suggestions": list(getattr(diag, "suggestions", ()))}


def json_report(diagnostics: list[Diagnostic], site: Path) -> str:
    """The whole JSON report: the site's folder, the counts, and every problem in file order."""
    problems = [record(d) for d in diagnostics]
    errors = sum(1 for p in problems if p["severity"] == "error")
    return json.dumps({
        "format": CHECK_FORMAT, "version": CHECK_VERSION, "site": os.path.abspath(site),
        "ok": errors == 0, "errors": errors, "warnings": len(problems) - errors, "problems": problems,
    }, ensure_ascii=False, indent=2) + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message: '%', CR and LF are percent-encoded, as GitHub's runner decodes them."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also ':' and ',', which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(site: Path, rel_path: str, environ: Mapping[str, str]) -> str:
    """The file as GitHub names it: relative to the workspace (the repository), not to the site."""
    path = os.path.abspath(os.path.join(site, rel_path))
    base = os.path.abspath(environ.get("GITHUB_WORKSPACE") or os.getcwd())
    rel = os.path.relpath(path, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def github_command(diag: Diagnostic, site: Path, environ: Mapping[str, str]) -> str:
    """`::error file=…,line=…,col=…,title=…::message`, so the problem shows on its line in a pull request."""
    loc = diag.location
    props = [f"file={escape_property(workspace_path(site, loc.rel_path, environ))}"]
    if loc.line:
        props.append(f"line={loc.line}")
        if loc.col:
            props.append(f"col={loc.col}")
    props.append("title=" + escape_property(f"site-builder check: {diag.severity}"))
    message = diag.message
    if diag.hint:
        message += f"\nhint: {diag.hint}"
    command = "warning" if diag.severity == "warning" else "error"
    return f"::{command} {','.join(props)}::{escape_data(message)}"
