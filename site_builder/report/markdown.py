"""The change report in Markdown, for a pull request, its job summary, or a reviewer's terminal.

Written for GitHub's Markdown: tables, fenced diff blocks, and every name escaped so that a
fact's text cannot turn into markup or links.
"""

from __future__ import annotations

import re

from .text import excerpt, plural, shorten

PAGES_SHOWN = 10  # pages whose first change is shown; the rest are listed, up to LISTED
LISTED = 100  # rows or items of one section; a job summary holds at most 1 MiB
SOURCES_SHOWN = 3
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def esc(text: str) -> str:
    """Text that Markdown shows as it is: punctuation escaped, line breaks as spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def link(text: str, url: str) -> str:
    if not url:
        return esc(text)
    return f"[{esc(text)}]({url.replace(' ', '%20').replace('(', '%28').replace(')', '%29')})"


def markdown(report: dict) -> str:
    lines = [f"## Change report: {esc(report['site'].get('title', 'the site'))}", "", _compared(report), ""]
    base, head = report["base"], report["head"]
    if not base["built"]:
        lines += [f"**The base ({_commit(base)}) does not build**, so nothing can be compared with it: "
                  f"{esc(base['failure'])}.", ""]
    if not head["built"]:
        lines += [f"**The working tree does not build**: {esc(head['failure'])}. "
                  "Run `site-builder check` to see every problem.", ""]
    if base["built"] and head["built"]:
        lines += [_headline(report), ""]
        for section in (_facts, _verdicts, _sources, _entities, _broken, _pages, _added_pages):
            lines += section(report)
    lines += _problems(report)
    lines += [f"<sub>Made by `site-builder diff`: both sides built by {esc(report.get('builder', 'site-builder'))} "
              "with the same settings.</sub>", ""]
    return "\n".join(lines)


def _commit(side: dict) -> str:
    return f"`{side['commit'][:10]}`" if side.get("commit") else esc(side["revision"])


def _compared(report: dict) -> str:
    base = report["base"]
    if base["chosen"] == "given":
        return f"The working tree compared with `{base['revision']}` (commit {_commit(base)})."
    if base["chosen"] == "HEAD":
        return f"The working tree compared with the last commit, {_commit(base)}."
    return f"The working tree compared with commit {_commit(base)}, where this branch left `{base['revision']}`."


def _headline(report: dict) -> str:
    ent, pages = report["entities"], report["pages"]
    parts = [plural(len({(c["id"], c["field"]) for c in report["facts"]}), "fact") + " changed",
             plural(len(ent["added"]) + len(ent["removed"]) + len(ent["renamed"]),
                    "fact sheet") + " added, removed or renamed",
             plural(len(pages["changed"]), "page") + " with new text",
             plural(len(pages["added"]) + len(pages["removed"]), "page") + " added or removed"]
    problems = len(report["problems"]["new"])
    parts.append(plural(problems, "new problem") if problems else "no new problem")
    shown = [p for p in parts if not p.startswith("0 ")]
    if shown == ["no new problem"]:
        return "**No change that readers would see.**"
    return " · ".join(f"**{p}**" if not p.startswith("no ") else p for p in shown)


def _value(value: dict | None, other: dict | None) -> str:
    if value is None:
        return "*(none)*"
    text, refs = value["text"], value.get("refs", [])
    if refs and text == ", ".join(r["name"] for r in refs):  # fact sheets named by the value: linked
        out = ", ".join(link(r["name"], r["url"]) for r in refs)
    else:
        if other is not None and len(text) > 120:
            text = excerpt(text, other["text"])
        out = esc(shorten(text, 240)) or "*(empty)*"
    if value["note"]:
        out += f"<br>*{esc(shorten(value['note'], 160))}*"
    sources = value["sources"]
    if sources:
        names = [link(shorten(s["name"], 60), s["url"]) for s in sources[:SOURCES_SHOWN]]
        more = f" and {len(sources) - SOURCES_SHOWN} more" if len(sources) > SOURCES_SHOWN else ""
        out += "<br>" + ("source" if len(sources) == 1 else "sources") + ": " + ", ".join(names) + more
    elif other is not None and other["sources"]:
        out += "<br>no source"
    return out


def _facts(report: dict) -> list[str]:
    if not report["facts"]:
        return []
    lines = ["### Facts that changed", "", "| Fact sheet | Field | Before | After |", "| --- | --- | --- | --- |"]
    for c in report["facts"][:LISTED]:
        sheet = f"{link(c['name'], c['url'])}<br>{esc(c['type'])} `{c['id']}`"
        lines.append(f"| {sheet} | {esc(c['label'])} | {_value(c['old'], c['new'])} | {_value(c['new'], c['old'])} |")
    return lines + [""] + _more(len(report["facts"]), "fact changes")


def _more(count: int, what: str) -> list[str]:
    """A line saying how much a section left out, when it did."""
    if count <= LISTED:
        return []
    return [f"and {count - LISTED} more {what}: `site-builder diff --format json` lists every one.", ""]


def _verdicts(report: dict) -> list[str]:
    if not report["verdicts"]:
        return []
    lines = ["### Claims whose verdict changed", ""]
    for v in report["verdicts"]:
        before = f"**{esc(v['old'])}** → " if v["old"] is not None else "new claim: "
        lines.append(f"- {link(v['name'], v['url'])}: {before}**{esc(v['new'])}**")
    return lines + [""]


def _sources(report: dict) -> list[str]:
    if not report["sources"]:
        return []
    lines = ["### Sources that changed, and the explainers that cite them", ""]
    for s in report["sources"]:
        citing = ", ".join(link(e["title"], e["url"]) for e in s["explainers"]) or "no explainer"
        lines.append(f"- {link(s['source']['name'], s['source']['url'])} ({s['change']}): cited by {citing}")
    return lines + [""]


def _entities(report: dict) -> list[str]:
    ent = report["entities"]
    if not (ent["added"] or ent["removed"] or ent["renamed"]):
        return []
    items = [f"- Added: {link(e['name'], e['url'])} ({esc(e['type'])} `{e['id']}`)" for e in ent["added"]]
    items += [f"- Removed: {esc(e['name'])} ({esc(e['type'])} `{e['id']}`)" for e in ent["removed"]]
    items += [f"- Renamed: {link(r['new']['name'], r['new']['url'])} ({esc(r['new']['type'])}): "
              f"`{r['old']['id']}` → `{r['new']['id']}`" for r in ent["renamed"]]
    return ["### Fact sheets added, removed or renamed", "", *items[:LISTED], ""] + _more(len(items), "fact sheets")


def _where(problem: dict) -> str:
    where = problem["file"] + "".join(f":{n}" for n in (problem["line"], problem["column"]) if n)
    return f"`{where}`"


def _broken(report: dict) -> list[str]:
    broken = report["broken_references"]
    if not broken:
        return []
    lines = ["### References that now point nowhere", ""]
    lines += [f"- {_where(p)}: {esc(p['message'])}" for p in broken[:LISTED]]
    return lines + [""] + _more(len(broken), "references")


def _pages(report: dict) -> list[str]:
    changed = report["pages"]["changed"]
    if not changed:
        return []
    lines = ["### Pages whose text changed", ""]
    for page in changed[:PAGES_SHOWN]:
        renumbered = page["citations_renumbered"]
        only = ""
        if renumbered and renumbered < page["paragraphs_changed"]:
            only = f" ({renumbered} of them only in their citation numbers)"
        elif renumbered:
            only = " (only in their citation numbers)"
        lines.append(f"- {link(page['title'], page['url'])} ({page['kind_name']}): "
                     f"{plural(page['paragraphs_changed'], 'paragraph')} changed{only}; the first change:")
        lines += ["  " + line for line in _diff_block(page["first_change"])]
    rest = changed[PAGES_SHOWN:]
    if rest:
        lines.append(f"- and {len(rest)} more: " + ", ".join(link(p["title"], p["url"]) for p in rest[:LISTED])
                     + (", …" if len(rest) > LISTED else ""))
    return lines + [""]


def _diff_block(first: dict) -> list[str]:
    removed, added = list(first["removed"]), list(first["added"])
    if removed and added:
        removed[0], added[0] = excerpt(removed[0], added[0]), excerpt(added[0], removed[0])
    body = ([f"  {shorten(first['before'], 160, keep='end')}"] if first["before"] else [])
    body += [f"- {shorten(p, 240)}" for p in removed] + [f"+ {shorten(p, 240)}" for p in added]
    body += [f"  {shorten(first['after'], 160)}"] if first["after"] else []
    fence = "`" * max(3, 1 + max((len(r) for line in body for r in re.findall(r"`+", line)), default=0))
    return [f"{fence}diff", *body, fence]


def _added_pages(report: dict) -> list[str]:
    pages = report["pages"]
    if not (pages["added"] or pages["removed"]):
        return []
    items = [f"- Added: {link(p['title'], p['url'])} ({p['kind_name']})" for p in pages["added"]]
    items += [f"- Removed: {esc(p['title'])} ({p['kind_name']}, was at {p['url']})" for p in pages["removed"]]
    return ["### Pages added or removed", "", *items[:LISTED], ""] + _more(len(items), "pages")


def _problems(report: dict) -> list[str]:
    new = [p for p in report["problems"]["new"] if p not in report["broken_references"]]
    fixed = report["problems"]["fixed"]
    lines = []
    if new:
        lines += [f"### New problems ({len(new)})", ""]
        lines += [f"- {_where(p)} {p['severity']}: {esc(p['message'])}" for p in new[:LISTED]]
        lines += [""] + _more(len(new), "problems")
    if fixed:
        lines += [f"{plural(len(fixed), 'problem')} of the base fixed.", ""]
    return lines
