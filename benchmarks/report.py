"""The tables run.py prints, made from its rows (one dict per tool and corpus, as saved with --save).

* search on: our builders against Hugo + Pagefind, per corpus size;
* the goals of the default config (issue 14), per size and builder: "met", or how far off;
* search off: our builders against Hugo, Eleventy, MkDocs and Pelican, with the in-process edits;
* before/after, when more than one revision of our builder ran: each measure side by side, and the
  ratio of the last builder to the first;
* the command-line edit goal of the engine rewrite (issue 13, search off);
* the Markdown engines: this checkout's cold build with Python-Markdown beside cmark-gfm's;
* share cards: this checkout's cold build without them beside the first builder's, which made none.
"""

from __future__ import annotations

MIB_GOAL = 1024  # peak memory goal, MiB (1 GiB)
GOALS = (  # (key, measure, goal text, limit or None, unit); the cold build's limit is 0.8x Hugo + Pagefind's cold
    ("cold", "cold build", "at most 0.8x Hugo + Pagefind", None, "s"),
    ("edit", "one edited explainer, `site-builder build`", "under 3 s", 3.0, "s"),
    ("nochange", "no-change build", "under 1 s", 1.0, "s"),
    ("tree", "peak memory, all processes", "under 1 GiB", MIB_GOAL, "MiB"),
)
ENGINE_EDIT_GOAL = 0.5  # issue 13: one edited explainer by the command line at 10,000 articles, search off


def sec(value) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if value < 0.1 else f"{value:.3f}" if value < 1 else f"{value:.2f}"


def mib(value) -> str:
    return "" if value is None else f"{value:,.0f}"


def ratio(value, base) -> str:
    return f"{value / base:.2f}x" if value is not None and base else ""


def table(header: list[str], rows: list[list[str]]) -> str:
    align = ["---"] * 2 + ["---:"] * (len(header) - 2)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def rows_of(rows: list[dict], search: bool) -> list[dict]:
    return [r for r in rows if r["search"] == search]


def ours(rows: list[dict]) -> list[dict]:
    """Our builder's rows with the default Markdown engine and settings (the others have tables of their own)."""
    return [r for r in rows if r["ours"] and r.get("engine") in (None, "cmark-gfm") and not r.get("variant")]


def base_cold(rows: list[dict], corpus: str, tool: str):
    return next((r.get("cold") for r in rows if r["corpus"] == corpus and r["tool"] == tool), None)


def steps(row: dict, kind: str) -> str:
    parts = row.get("parts", {}).get(kind, {})
    return " + ".join(f"{name} {sec(s)}" for name, s in parts.items()) if len(parts) > 1 else ""


def search_on_table(rows: list[dict]) -> str:
    body = []
    for r in rows_of(rows, True):
        base = base_cold(rows_of(rows, True), r["corpus"], "Hugo + Pagefind")
        body.append([r["corpus"], r["tool"], sec(r.get("cold")), steps(r, "cold"), sec(r.get("nochange")),
                     sec(r.get("edit")), steps(r, "edit"), mib(r.get("tree")), mib(r.get("largest")),
                     ratio(r.get("cold"), base), ratio(r.get("edit"), base_edit(rows, r["corpus"])),
                     sec(r.get("cold_cpu")), sec(r.get("edit_cpu"))])
    return table(["corpus", "tool", "cold s", "cold, by step s", "no change s", "one edit, command line s",
                  "edit, by step s", "peak MiB, all processes", "largest process MiB", "cold / Hugo + Pagefind",
                  "edit / Hugo + Pagefind edit", "cold, CPU s", "edit, CPU s"], body)


def base_edit(rows: list[dict], corpus: str):
    return next((r.get("edit") for r in rows_of(rows, True) if r["corpus"] == corpus and r["tool"] == "Hugo + Pagefind"),
                None)


def search_off_table(rows: list[dict]) -> str:
    body = []
    for r in rows_of(rows, False):
        inproc = r.get("inprocess") or {}
        base = base_cold(rows_of(rows, False), r["corpus"], "Hugo")
        body.append([r["corpus"], r["tool"], sec(r.get("cold")), sec(r.get("nochange")), sec(r.get("edit")),
                     sec(inproc.get("told")), sec(inproc.get("untold")), sec(inproc.get("written")),
                     sec(inproc.get("reference")), mib(inproc.get("rendered")), mib(r.get("tree")),
                     mib(r.get("largest")), mib(inproc.get("rss")), ratio(r.get("cold"), base),
                     ratio(r.get("nochange"), base), sec(r.get("cold_cpu")), sec(r.get("edit_cpu"))])
    return table(["corpus", "tool", "cold s", "no change s", "one edit, command line s", "edit in process, told s",
                  "not told s", "written s", "new reference s", "pages re-rendered per edit",
                  "peak MiB, all processes", "largest process MiB", "in-process state MiB", "cold / Hugo",
                  "no change / Hugo cold", "cold, CPU s", "edit, CPU s"], body)


def verdict(value, limit, unit: str) -> str:
    """'met', or how far over the limit the value is."""
    if value is None or limit is None:
        return "not measured"
    if value <= limit:
        return "met"
    over = f"{value - limit:.1f} s" if unit == "s" else f"{value - limit:,.0f} MiB"
    return f"not met: {over} over ({value / limit:.1f}x the goal)"


def goal_cell(row: dict, key: str, limit, unit: str, hugo_pf) -> str:
    value = row.get(key)
    if value is None:
        return "not measured"
    shown = f"{sec(value)} s" if unit == "s" else f"{mib(value)} MiB"
    if key == "cold":
        if not hugo_pf:
            return f"{shown}; Hugo + Pagefind not measured"
        shown += f", {value / hugo_pf:.2f}x Hugo + Pagefind ({sec(hugo_pf)} s)"
        limit = 0.8 * hugo_pf
    return f"{shown}: {verdict(value, limit, unit)}"


def goals_tables(rows: list[dict]) -> str:
    on = rows_of(rows, True)
    out = []
    for corpus in dict.fromkeys(r["corpus"] for r in on):
        mine = [r for r in ours(on) if r["corpus"] == corpus]
        if not mine:
            continue
        hugo_pf = base_cold(on, corpus, "Hugo + Pagefind")
        body = [[measure, goal, *(goal_cell(r, key, limit, unit, hugo_pf) for r in mine)]
                for key, measure, goal, limit, unit in GOALS]
        out.append(f"Goals, {corpus}, default config (search on):\n\n"
                   + table(["measure", "goal", *(r["tool"] for r in mine)], body))
    return "\n\n".join(out)


BEFORE_AFTER = (("cold", "cold s", sec), ("cold_cpu", "cold, CPU s", sec), ("nochange", "no change s", sec),
                ("edit", "one edit, command line s", sec), ("edit_cpu", "one edit, command line, CPU s", sec),
                ("told", "one edit in process, told s", sec), ("tree", "peak MiB, all processes", mib))


def before_after_table(rows: list[dict]) -> str:
    """Each of our builders side by side, with the last one's ratio to the first ("after / before")."""
    mine = ours(rows)
    labels = list(dict.fromkeys(r["tool"] for r in mine))
    if len(labels) < 2:
        return ""
    body = []
    for (corpus, search) in dict.fromkeys((r["corpus"], r["search"]) for r in mine):
        by = {r["tool"]: {**r, **(r.get("inprocess") or {})} for r in mine if (r["corpus"], r["search"]) == (corpus, search)}
        for key, name, show in BEFORE_AFTER:
            values = [by.get(label, {}).get(key) for label in labels]
            if all(v is None for v in values):
                continue
            body.append([corpus, f"search {'on' if search else 'off'}: {name}", *(show(v) for v in values),
                         ratio(values[-1], values[0])])
    return table(["corpus", "measure", *labels, f"{labels[-1]} / {labels[0]}"], body)


def engine_goal(rows: list[dict]) -> str:
    off = [r for r in ours(rows_of(rows, False)) if r["corpus"].startswith("articles")]
    if not off:
        return ""
    largest = max(r["pages"] for r in off)
    body = [[r["corpus"], r["tool"], f"{sec(r.get('edit'))} s: {verdict(r.get('edit'), ENGINE_EDIT_GOAL, 's')}"]
            for r in off if r["pages"] == largest]
    return ("The engine rewrite's goal (issue 13): one edited explainer rebuilt by the command line, search off, "
            f"under {ENGINE_EDIT_GOAL} s at 10,000 articles (here at {largest:,}):\n\n"
            + table(["corpus", "builder", "measured"], body))


def engines_table(rows: list[dict]) -> str:
    """Cold builds of this checkout with each Markdown engine, search off, against cmark-gfm's."""
    others = [r for r in rows_of(rows, False) if r["ours"] and r.get("engine") not in (None, "cmark-gfm")]
    body = []
    for r in others:
        base = next((b for b in ours(rows_of(rows, False))
                     if b["corpus"] == r["corpus"] and r["tool"].startswith(b["tool"] + ", ")), {})
        body.append([r["corpus"], r["engine"], sec(r.get("cold")), sec(base.get("cold")),
                     ratio(r.get("cold"), base.get("cold")), sec(r.get("cold_cpu")), sec(base.get("cold_cpu"))])
    return table(["corpus", "engine", "cold s", "cmark-gfm cold s", "cold / cmark-gfm", "cold, CPU s",
                  "cmark-gfm cold, CPU s"], body) if body else ""


def cards_table(rows: list[dict]) -> str:
    """This checkout's cold build without share cards, beside its build with them and the first builder's."""
    body = []
    for r in [r for r in rows_of(rows, False) if r["ours"] and r.get("variant") == "no share cards"]:
        same = [b for b in ours(rows_of(rows, False)) if b["corpus"] == r["corpus"]]
        if len(same) < 2:
            continue
        first, last = same[0], same[-1]
        body.append([r["corpus"], first["tool"], sec(last.get("cold")), sec(r.get("cold")), sec(first.get("cold")),
                     ratio(r.get("cold"), first.get("cold")), sec(r.get("cold_cpu")), sec(first.get("cold_cpu")),
                     ratio(r.get("cold_cpu"), first.get("cold_cpu")), sec(r.get("nochange")),
                     sec(first.get("nochange"))])
    return table(["corpus", "first builder", "cold with cards s", "cold without s", "first builder's cold s",
                  "without / first", "cold without, CPU s", "first builder's cold, CPU s", "CPU: without / first",
                  "no change without s", "first builder's no change s"], body) if body else ""


def problems(rows: list[dict]) -> str:
    found = [f"- {r['corpus']}, {r['tool']}, search {'on' if r['search'] else 'off'}: {p}"
             for r in rows for p in r.get("problems", [])]
    found += [f"- {r['corpus']}, {r['tool']}: {r['inprocess']['skipped']}" for r in rows
              if (r.get("inprocess") or {}).get("skipped")]
    return "Checks that failed:\n\n" + "\n".join(found) if found else ""


def render(rows: list[dict]) -> str:
    parts = []
    if rows_of(rows, True):
        parts += ["## Default config (search on): against Hugo followed by Pagefind", search_on_table(rows),
                  goals_tables(rows)]
    if rows_of(rows, False):
        parts += ["## Search off: against Hugo, Eleventy, MkDocs and Pelican", search_off_table(rows),
                  engine_goal(rows)]
        engines = engines_table(rows)
        if engines:
            parts += ["## Markdown engines: cold builds, search off", engines]
        cards = cards_table(rows)
        if cards:
            parts += ["## Share cards: this checkout's cold build without them, search off", cards]
    before_after = before_after_table(rows)
    if before_after:
        parts += ["## Before and after: our builders side by side", before_after]
    parts.append(problems(rows))
    return "\n\n".join(p for p in parts if p) + "\n"
