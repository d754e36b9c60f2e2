"""Compare two snapshots of a site: the facts, fact sheets, problems, claims and sources that changed.

The result is plain data (the JSON report, docs/change-report.schema.json); markdown.py writes it
for people and pages.py adds the pages whose text changed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter

from .pages import compare_pages, page_url, resolve_link
from .snapshot import Snapshot

REPORT_FORMAT = "site-builder change report"
REPORT_VERSION = 1
HIDDEN_KEYS = {"id", "url", "type", "fields", "facts", "sources"}  # the rest of a record is shown as fields
REFERENCE_PROBLEM = re.compile(r"^(unknown reference|unknown source|link to missing file|image '.*' does not "
                               r"exist|'.*' is ambiguous|'.*' is a .*, but '.*' must refer to)")
VERDICT = "verdict"


def compare(base: Snapshot, head: Snapshot, sides: dict) -> dict:
    """The whole report; `sides` says what each side is ({"base": {...}, "head": {...}})."""
    report = {"format": REPORT_FORMAT, "version": REPORT_VERSION, "site": head.site or base.site,
              "base": {**sides["base"], **_side(base)}, "head": {**sides["head"], **_side(head)},
              "facts": [], "entities": {"added": [], "removed": [], "renamed": []}, "verdicts": [],
              "sources": [], "broken_references": [], "problems": {"new": [], "fixed": []},
              "pages": {"changed": [], "added": [], "removed": []}}
    report["problems"], report["broken_references"] = _problems(base, head)
    if not (base.built and head.built):
        return report
    pairs, report["entities"] = _entities(base, head)
    for old_id, new_id in pairs:
        report["facts"].extend(_fact_changes(base, head, old_id, new_id))
        verdict = _verdict(base, head, old_id, new_id)
        if verdict:
            report["verdicts"].append(verdict)
    for added in report["entities"]["added"]:
        verdict = _verdict(base, head, None, added["id"])
        if verdict:
            report["verdicts"].append(verdict)
    report["sources"] = _changed_sources(base, head, report)
    report["pages"] = compare_pages(base, head)
    return report


def _side(snap: Snapshot) -> dict:
    warnings = sum(1 for p in snap.problems if p["severity"] == "warning")
    return {"builds": snap.built and snap.errors == 0, "built": snap.built, "failure": snap.failure,
            "errors": snap.errors, "warnings": warnings}


def key(problem: dict) -> tuple:
    """A problem's identity on both sides: its file, severity and message (lines move with every edit)."""
    return problem["file"], problem["severity"], problem["message"]


def _problems(base: Snapshot, head: Snapshot) -> tuple[dict, list]:
    """Problems only the working tree has, those it no longer has, and the new ones about references."""
    before, after = Counter(map(key, base.problems)), Counter(map(key, head.problems))
    new, fixed = [], []
    for p in head.problems:
        if before[key(p)] > 0:
            before[key(p)] -= 1
        else:
            new.append(p)
    for p in base.problems:
        if after[key(p)] > 0:
            after[key(p)] -= 1
        else:
            fixed.append(p)
    broken = [p for p in new if p["severity"] == "error" and REFERENCE_PROBLEM.match(p["message"])]
    return {"new": new, "fixed": fixed}, broken


def entity(snap: Snapshot, fact_id: str) -> dict:
    fact = snap.facts.get(fact_id) or {}
    return {"type": fact.get("type", ""), "id": fact_id, "name": fact.get("name", fact_id), "url": fact.get("url", "")}


def _content(fact: dict) -> str:
    return json.dumps({k: v for k, v in fact.items() if k not in ("id", "url")}, sort_keys=True, ensure_ascii=False)


def _entities(base: Snapshot, head: Snapshot) -> tuple[list, dict]:
    """(old id, new id) of every fact sheet on both sides, renamed ones included; and the added, removed, renamed."""
    removed = sorted(set(base.facts) - set(head.facts))
    added = sorted(set(head.facts) - set(base.facts))
    renamed = []
    for old in list(removed):
        best, score = None, 0.0
        for new in added:
            if base.facts[old]["type"] != head.facts[new]["type"]:
                continue
            s = _likeness(base.facts[old], head.facts[new])
            if s > score:
                best, score = new, s
        if best is not None and score >= 0.75:
            renamed.append((old, best))
            removed.remove(old)
            added.remove(best)
    pairs = [(i, i) for i in sorted(set(base.facts) & set(head.facts))] + renamed
    return pairs, {"added": [entity(head, i) for i in added], "removed": [entity(base, i) for i in removed],
                   "renamed": [{"old": entity(base, o), "new": entity(head, n)} for o, n in renamed]}


def _likeness(old: dict, new: dict) -> float:
    """How surely `new` is `old` under another id: 1 for the same content, 0.9 for the same name."""
    a, b = _content(old), _content(new)
    if a == b:
        return 1.0
    if old.get("name") and old.get("name") == new.get("name"):
        return 0.9
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() if matcher.quick_ratio() >= 0.75 else 0.0


def _fields(fact: dict) -> dict:
    """Every shown part of a fact sheet as {key: (label, {value, sources, note})}, in the sheet's order."""
    out = {}
    for key, value in fact.items():
        if key not in HIDDEN_KEYS and value not in ("", [], None):
            out[key] = (key.replace("_", " ").capitalize(), {"value": value, "sources": [], "note": ""})
    for key, fv in fact.get("fields", {}).items():
        out[key] = (key, {"value": fv.get("value"), "sources": fv.get("sources", []), "note": fv.get("note", "")})
    for item in fact.get("facts", []):
        label = str(item.get("label", ""))
        out[f"facts/{label}"] = (label, {"value": item.get("value"), "sources": item.get("sources", []),
                                         "note": item.get("note", "")})
    return out


def _fact_changes(base: Snapshot, head: Snapshot, old_id: str, new_id: str) -> list[dict]:
    old, new = base.facts[old_id], head.facts[new_id]
    if old_id == new_id and old == new:
        return []
    before, after = _fields(old), _fields(new)
    labels = head.types.get(new["type"], {}).get("fields", {})
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a[1] == b[1]:
            continue
        label = labels.get(key) or (b or a)[0]
        changes.append({**entity(head, new_id), "field": key, "label": label,
                        "old": _value(base, a[1]) if a else None, "new": _value(head, b[1]) if b else None})
    return changes


def _value(snap: Snapshot, fv: dict) -> dict:
    value = fv["value"]
    named = value if isinstance(value, list) else [value]
    return {"value": value, "text": display(snap, value),
            "refs": [entity(snap, v) for v in named if isinstance(v, str) and v in snap.facts],
            "sources": [entity(snap, s) for s in fv["sources"]], "note": fv["note"] or ""}


def display(snap: Snapshot, value) -> str:
    """A value as a reader would read it: fact-sheet ids by name, money with its currency, lists joined."""
    if isinstance(value, list):
        return ", ".join(display(snap, v) for v in value)
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            amount = value["amount"]
            return (f"{amount:,}" if isinstance(amount, (int, float)) else str(amount)) + f" {value['currency']}"
        return "; ".join(f"{k}: {display(snap, v)}" for k, v in value.items())
    if isinstance(value, str) and value in snap.facts:
        return snap.facts[value].get("name", value)
    return "" if value is None else str(value)


def _verdict(base: Snapshot, head: Snapshot, old_id: str | None, new_id: str) -> dict | None:
    def verdict(snap: Snapshot, fact_id: str | None):
        field = (snap.facts.get(fact_id) or {}).get("fields", {}).get(VERDICT) if fact_id else None
        return None if field is None else display(snap, field.get("value"))
    old, new = verdict(base, old_id), verdict(head, new_id)
    if old == new or new is None:
        return None
    claim = (head.facts[new_id].get("fields", {}).get("claim") or {}).get("value", "")
    return {**entity(head, new_id), "old": old, "new": new, "claim": display(head, claim)}


def _changed_sources(base: Snapshot, head: Snapshot, report: dict) -> list[dict]:
    """Every changed, renamed or removed source, with the explainers that cite it (on either side)."""
    changed = {c["id"]: c["id"] for c in report["facts"] if c["type"] == "source"}
    changed.update({r["new"]["id"]: r["old"]["id"] for r in report["entities"]["renamed"]
                    if r["new"]["type"] == "source"})
    out = []
    for new_id, old_id in sorted(changed.items()):
        citing = {**citers(base, base.facts[old_id]["url"]), **citers(head, head.facts[new_id]["url"])}
        out.append({"source": entity(head, new_id), "change": "renamed" if new_id != old_id else "changed",
                    "explainers": sorted(citing.values(), key=lambda e: e["title"])})
    for gone in report["entities"]["removed"]:
        if gone["type"] == "source":
            citing = {**citers(head, gone["url"]), **citers(base, gone["url"])}
            out.append({"source": gone, "change": "removed",
                        "explainers": sorted(citing.values(), key=lambda e: e["title"])})
    return out


def citers(snap: Snapshot, url: str) -> dict[str, dict]:
    """The explainers of a snapshot whose page links to url (as its list of sources does), by path."""
    found = {}
    for path in snap.digests:
        if not path.startswith("explainers/") or path.count("/") != 2:  # explainers/<slug>/index.html
            continue
        page = snap.page(path)
        here = page_url(snap, path)
        if any(resolve_link(here, href) == url for href in page.links):
            found[path] = {"title": page.title, "url": here, "path": path}
    return found
