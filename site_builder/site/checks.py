"""Editorial checks that read other items through what linking knows (the World's facts).

Each check asks `Lookups` for another item's date or hosts, and each answer is noted as a name
(`date:<id>`, `host:<id>`), so that a change of a source's date, or of a publisher's host, links
again exactly the items that asked: the check can never go stale in an incremental build.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..diagnostics import Location, Problems
from ..model import Document, FactSheet, Fragment, PartialDate


# schema.org classes of the types a `party` field may refer to by default (besides sources): people and organizations
PARTY_CLASSES = ("Person", "Organization", "Corporation", "GovernmentOrganization", "NGO", "NewsMediaOrganization",
                 "EducationalOrganization", "LocalBusiness", "PoliticalParty", "Airline")


def party_types(config, spec) -> tuple[str, ...]:
    """The types a `party` field may refer to: its `to:`, or sources, people and organizations."""
    if spec.to:
        return spec.to
    return tuple(t.name for t in config.types if t.name == "source" or t.schema_org in PARTY_CLASSES)


def world_facts(item) -> tuple:
    """What other items' checks may ask of an item: (its date as (y, m, d) or None, its hosts)."""
    if not isinstance(item, FactSheet):
        return (None, ())
    date = item.date
    day = (date.year, date.month, date.day) if isinstance(date, PartialDate) else None
    return (day, hosts_of(item))


def hosts_of(sheet: FactSheet) -> tuple[str, ...]:
    """The web hosts a fact sheet says are its own: its `host` field (text, or a list of it), else its `url`."""
    found = sheet.field("host")
    if found is not None:
        values = found.value if isinstance(found.value, tuple) else (found.value,)
        texts = [v.source if isinstance(v, Fragment) else v for v in values]
        return tuple(sorted({host_name(t) for t in texts if isinstance(t, str)} - {""}))
    url = sheet.field("url")
    if url is not None and url.kind == "url" and isinstance(url.value, str):
        host = host_name(url.value)
        return (host,) if host else ()
    return ()


def host_name(text: str) -> str:
    """'https://www.Example.org/x' and 'example.org' both give 'example.org'."""
    text = text.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def on_host(host: str, hosts: tuple[str, ...]) -> bool:
    """Whether a host is one of these or a part of one (en.example.org is part of example.org)."""
    return any(host == h or host.endswith("." + h) for h in hosts)


def check_dates(doc: Document, cited: dict[str, tuple], ask) -> list:
    """An explainer or page that cites a source dated after its own date must have an `updated` on or
    after that source's date. `cited`: source id -> the location of its first citation."""
    if doc.date is None:
        return []
    newest = None
    for source, location in cited.items():
        day = ask.date(source)
        if day is None:
            continue
        date = PartialDate(*day)
        if date.first_day() > doc.date.last_day() and (newest is None or date.first_day() > newest[0].first_day()):
            newest = (date, source, location)
    if newest is None:
        return []
    date, source, location = newest
    if doc.updated is not None and doc.updated.last_day() >= date.first_day():
        return []
    problems = Problems()
    shown = date.iso()
    kind = "explainer" if doc.kind == "explainer" else "page"
    if doc.updated is None:
        problems.warning(f"this {kind} is dated {doc.date.iso()} but cites '{source.removeprefix('sources/')}', "
                         f"dated {shown}, and has no 'updated' date", location,
                         f"add 'updated: {shown}' (or a later date) to the front matter")
    else:
        problems.warning(f"this {kind} is dated {doc.date.iso()}, updated {doc.updated.iso()}, but cites "
                         f"'{source.removeprefix('sources/')}', dated {shown}", location,
                         f"set 'updated' to {shown} or later")
    return problems.items


def check_via(sheet: FactSheet, publisher: str | None, ask) -> list:
    """sources: {require_via: true}: a source whose url is not on its publisher's own host must say,
    with `via`, which copy was read."""
    url = sheet.field("url")
    if url is None or sheet.field("via") is not None or publisher is None or not isinstance(url.value, str):
        return []
    hosts = ask.hosts(publisher)
    host = host_name(url.value)
    if not hosts or not host or on_host(host, hosts):
        return []
    problems = Problems()
    problems.error(f"source '{sheet.slug}' is read on {host}, not on its publisher's site ({', '.join(hosts)})",
                   url.location or Location(sheet.rel_path, 1, 1),
                   "put the address of the copy you read in via:, and the original's address, if you know it, in url:")
    return problems.items
