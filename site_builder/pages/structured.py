"""Machine-readable views of the site: JSON-LD for every page (the /data/ files are made in export.py).

It is a pure function of the linked site (the Index), so it is as deterministic as the pages.
A fact-sheet type maps to schema.org through `schema_org:` in site.yml; a field becomes a schema.org
property when its name is that property (in snake_case, e.g. `birth_date`) or a common name for it
(`born`); fields without a match stay out of the JSON-LD but are always in the export.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from ..model import Competing, Document, FactSheet, Fragment, Money, PartialDate, Passage, RefValue, SourceRef
from .citations import fragment_text
from .languages import shown_document, shown_sheet
from ..site.index import Index
from ..site.extra_routes import split_page
from ..site.resolve import field_values, fragments_of, value_sources
from ..site.routes import Route

# schema.org property -> the field names that fill it (besides its own snake_case spelling), per type family.
PROPERTIES: dict[str, dict[str, tuple[str, ...]]] = {
    "Thing": {"url": ("website", "homepage"), "sameAs": ("same_as",), "identifier": ("id_number",)},
    "Person": {"birthDate": ("born",), "deathDate": ("died",), "jobTitle": ("role", "title"),
               "affiliation": ("employer", "organization"), "nationality": ("country",),
               "additionalName": ("native_name",)},
    "Organization": {"foundingDate": ("founded",), "dissolutionDate": ("dissolved",),
                     "parentOrganization": ("parent",), "location": ("country", "based_in", "headquarters"),
                     "founder": ("founders",)},
    "Vehicle": {"manufacturer": ("maker",), "productionDate": ("production_start",),
                "releaseDate": ("introduced",), "bodyType": ("body_styles", "body_style"),
                "vehicleEngine": ("engine",), "model": ()},
    "Product": {"manufacturer": ("maker",), "releaseDate": ("introduced",)},
    "Event": {"startDate": ("date",), "endDate": ("end",), "location": ("place",), "about": ("involves",)},
    "CreativeWork": {"datePublished": ("date",), "publisher": (), "author": (), "inLanguage": ("language",),
                     "archivedAt": ("archive", "archive_url"), "genre": ("kind",)},
    "Legislation": {"legislationDate": ("adopted", "date"), "legislationIdentifier": ("number",),
                    "legislationPassedBy": ("passed_by",), "legislationJurisdiction": ("jurisdiction",)},
    "ClaimReview": {"claimReviewed": ("claim",), "reviewRating": ("verdict", "rating")},
}

# Which families a schema.org type takes its properties from, most specific first.
FAMILIES: dict[str, tuple[str, ...]] = {
    "Person": ("Person", "Thing"),
    "Organization": ("Organization", "Thing"),
    "Vehicle": ("Vehicle", "Product", "Thing"),
    "Car": ("Vehicle", "Product", "Thing"),
    "Product": ("Product", "Thing"),
    "Event": ("Event", "Thing"),
    "Legislation": ("Legislation", "CreativeWork", "Thing"),
    "ClaimReview": ("ClaimReview", "CreativeWork", "Thing"),
    "CreativeWork": ("CreativeWork", "Thing"),
}
_ORG_TYPES = ("Organization", "Corporation", "GovernmentOrganization", "NGO", "NewsMediaOrganization",
              "EducationalOrganization", "LocalBusiness", "PoliticalParty", "Airline")
_WORK_TYPES = ("CreativeWork", "Article", "NewsArticle", "Report", "Book", "WebPage", "Dataset", "Message",
               "Periodical", "Legislation", "Review", "DigitalDocument", "Photograph", "VideoObject", "AudioObject")
_EVENT_TYPES = ("Event", "SocialEvent", "BusinessEvent", "PublicationEvent", "SportsEvent", "EducationEvent")


def family_of(schema_type: str) -> tuple[str, ...]:
    if schema_type in FAMILIES:
        return FAMILIES[schema_type]
    if schema_type in _ORG_TYPES:
        return FAMILIES["Organization"]
    if schema_type in _WORK_TYPES:
        return FAMILIES["CreativeWork"]
    if schema_type in _EVENT_TYPES:
        return FAMILIES["Event"]
    return ("Thing",)


def safe_json(data) -> str:
    """JSON that can sit inside <script>: no '</script>' or '<!--' breakout, no raw line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def sources_of(item) -> list[str]:
    """The source ids a document or fact sheet cites, in order of first use."""
    seen: dict[str, None] = {}
    for fragment in fragments_of(item):
        for slot in fragment.slots:
            for cite in getattr(slot, "items", ()):
                seen.setdefault(cite.source, None)
    if isinstance(item, FactSheet):
        for field in item.fields:
            for fv in field_values(field):
                for ref in list(fv.sources) + value_sources(fv):
                    seen.setdefault(ref.source, None)
        for fact in item.facts:
            for ref in fact.sources:
                seen.setdefault(ref.source, None)
    return list(seen)


# ---------------------------------------------------------------- JSON-LD


def _abs(index: Index, url: str) -> str:
    return index.urls.absolute(url)


def _site_ids(index: Index) -> tuple[str, str]:
    home = _abs(index, index.urls.home())
    return home + "#website", home + "#publisher"


def _publisher(index: Index) -> dict:
    return {"@type": "Organization", "@id": _site_ids(index)[1], "name": index.config.title,
            "url": _abs(index, index.urls.home())}


def website(index: Index) -> dict:
    config = index.config
    site = {"@type": "WebSite", "@id": _site_ids(index)[0], "name": config.title,
            "url": _abs(index, index.urls.home()), "inLanguage": config.language,
            "publisher": {"@id": _site_ids(index)[1]}}
    if config.description:
        site["description"] = config.description
    if getattr(config, "search", "off") != "off":
        site["potentialAction"] = {"@type": "SearchAction",
                                   "target": _abs(index, index.urls.path("search/")) + "?q={search_term_string}",
                                   "query-input": "required name=search_term_string"}
    return site


def schema_type(index: Index, id_: str) -> str:
    family, kind = index.kind_of(id_)
    if family == "fact":
        return index.config.type(kind).schema_org or "Thing"
    return "NewsArticle" if kind == "explainer" else "WebPage"


def mention(index: Index, id_: str) -> dict:
    """A short node for something the page links to: its type, name and URL."""
    node = {"@type": schema_type(index, id_), "name": index.title(id_), "url": _abs(index, index.url(id_))}
    if node["@type"] == "NewsArticle":
        node["headline"] = node.pop("name")
    return node


def citation(index: Index, source_id: str) -> dict:
    sheet = index.item(source_id)
    node = {"@type": index.config.type(sheet.type).schema_org or "CreativeWork", "name": sheet.name}
    url = sheet.field("url") or sheet.field("via")  # the original's address; else the copy read
    node["url"] = url.value if url is not None else _abs(index, index.url(sheet.id))
    archive = sheet.field("archive") or sheet.field("archive_url")
    if archive is not None:
        node["archivedAt"] = archive.value
    for key, prop in (("publisher", "publisher"), ("author", "author")):
        fv = sheet.field(key)
        if fv is not None:
            node[prop] = _party(index, fv.value, "Organization" if key == "publisher" else "Person")
    date = sheet.field("date")
    if date is not None and isinstance(date.value, PartialDate):
        node["datePublished"] = date.value.iso()
    return node


def _party(index: Index, value, default_type: str):
    """A publisher or author: a linked fact sheet becomes a node, plain text a named Thing."""
    if isinstance(value, Competing):
        return [_party(index, fv.value, default_type) for fv in value.values]
    text = value.target if isinstance(value, RefValue) else value.source.strip() if isinstance(value, Fragment) \
        else str(value)
    target = index.lookup(text) if "/" in text else None
    if target and target.startswith("sources/"):  # a document speaks for its author, else its publisher
        sheet = index.item(target)
        who = sheet.field("author") or sheet.field("publisher")
        return _party(index, who.value, default_type) if who is not None else {"@type": default_type,
                                                                               "name": sheet.name}
    if target:
        return mention(index, target)
    return {"@type": default_type, "name": fragment_text(index, value) if isinstance(value, Fragment) else text}


def _ld_value(index: Index, value):
    if isinstance(value, Fragment):
        return fragment_text(index, value)
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, Money):
        return {"@type": "MonetaryAmount", "value": value.amount, "currency": value.currency}
    if isinstance(value, RefValue):
        found = index.lookup(value.target)
        if found and found.startswith("sources/"):
            return citation(index, found)
        return mention(index, found) if found else value.target
    if isinstance(value, SourceRef):
        found = f"sources/{value.source}"
        return citation(index, found) if index.has(found) else value.source
    if isinstance(value, Passage):
        found = f"sources/{value.source.source}"
        node = citation(index, found) if index.has(found) else {"@type": "CreativeWork", "name": found}
        return node | {"description": value.locator}
    if isinstance(value, Competing):  # all of them: none is settled
        return [_ld_value(index, fv.value) for fv in value.values]
    if isinstance(value, tuple):
        return [_ld_value(index, v) for v in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _property_for(field: str, families: tuple[str, ...]) -> str | None:
    for family in families:
        for prop, names in PROPERTIES[family].items():
            if field in names or _camel(field) == prop:
                return prop
    return None


# Properties whose schema.org range is a class, not text: plain text becomes a named node of that class.
RANGES = {"vehicleEngine": "EngineSpecification", "nationality": "Country", "founder": "Person"}
TEXT_PROPERTIES = {"legislationIdentifier", "identifier", "jobTitle", "additionalName", "model"}


def _in_range(prop: str, value):
    if isinstance(value, list):
        return [_in_range(prop, v) for v in value]
    if prop in RANGES and isinstance(value, str):
        return {"@type": RANGES[prop], "name": value}
    if prop in TEXT_PROPERTIES and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def entity(index: Index, sheet: FactSheet) -> dict:
    """A fact sheet as a schema.org node of its type's `schema_org` class."""
    tspec = index.config.type(sheet.type)
    kind = tspec.schema_org or "Thing"
    families = family_of(kind)
    page = _abs(index, index.url(sheet.id))
    node: dict = {"@type": kind, "@id": page + "#entity", "name": sheet.name, "url": page,
                  "mainEntityOfPage": page}
    summary = fragment_text(index, sheet.summary)
    if summary:
        node["description"] = summary
    if sheet.aliases:
        node["alternateName"] = list(sheet.aliases)
    if sheet.image is not None:
        node["image"] = _abs(index, index.urls.media(sheet.image.src))
    for fv in sheet.fields:
        if tspec.builtin and fv.name in ("title", "summary"):
            continue
        prop = _property_for(fv.name, families)
        if prop is None or prop in ("name", "description"):
            continue
        if prop in ("publisher", "author"):
            node[prop] = _party(index, fv.value, "Organization" if prop == "publisher" else "Person")
        elif prop == "reviewRating":
            node[prop] = {"@type": "Rating", "alternateName": fragment_text(index, fv.value)
                          if isinstance(fv.value, Fragment) else str(fv.value)}
        elif prop == "url" and "CreativeWork" in families:
            node["url"] = fv.value  # a document's own address; the fact sheet stays mainEntityOfPage
        elif prop in node and prop != "url":
            continue  # the first field that fills a property wins
        else:
            value = _ld_value(index, fv.value)
            if prop == "url":
                node["sameAs"] = value  # the entity's own website; "url" stays this page
            else:
                node[prop] = _in_range(prop, value)
    if kind == "ClaimReview":
        _claim_review(index, sheet, node)
    return node


def _claim_review(index: Index, sheet: FactSheet, node: dict) -> None:
    """The claim itself goes in itemReviewed, with who made it and where it appeared."""
    claim: dict = {"@type": "Claim"}
    claimant = _first(sheet, "party") or sheet.field("claimant") or sheet.field("author")
    if claimant is not None:
        claim["author"] = _party(index, claimant.value, "Organization")
    where = _first(sheet, "passage") or sheet.field("claimed_in") or sheet.field("appearance")
    if where is not None:
        value = _ld_value(index, where.value)
        claim["appearance"] = value
        if isinstance(value, dict) and value.get("datePublished"):
            claim["datePublished"] = value["datePublished"]
    node["itemReviewed"] = claim
    node["author"] = {"@id": _site_ids(index)[1]}
    node.setdefault("claimReviewed", sheet.name)


def _first(sheet: FactSheet, kind: str):
    """The first field of a field type (the claimant is a `party`, where it appeared a `passage`)."""
    return next((fv for fv in sheet.fields if fv.kind == kind), None)


def _article(index: Index, doc: Document, page: str) -> dict:
    node: dict = {"@type": "NewsArticle" if doc.kind == "explainer" else "WebPage", "@id": page + "#main",
                  "headline": doc.title[:110], "url": page, "mainEntityOfPage": page,
                  "inLanguage": doc.language or index.config.language, "isPartOf": {"@id": _site_ids(index)[0]},
                  "publisher": {"@id": _site_ids(index)[1]}}
    if doc.language and index.has(doc.base_id):  # a translation: of which page
        node["translationOfWork"] = {"@id": _abs(index, index.url(doc.base_id)) + "#main"}
    if doc.kind != "explainer":
        node["name"] = node.pop("headline")
    if doc.summary:
        node["description"] = doc.summary
    if doc.date:
        node["datePublished"] = doc.date.iso()
        node["dateModified"] = (doc.updated or doc.date).iso()
    authors = list(doc.authors) or ([index.config.author] if index.config.author else [])
    if authors:
        node["author"] = [{"@type": "Person", "name": a} for a in authors]
    elif doc.kind == "explainer":
        node["author"] = {"@id": _site_ids(index)[1]}
    if doc.tags:
        node["keywords"] = list(doc.tags)
    if doc.image is not None:
        node["image"] = _abs(index, index.urls.media(doc.image.src))
    about = [i for i in (index.lookup(r.target) for r in doc.about) if i]
    if about:
        node["about"] = [mention(index, i) for i in about]
    mentioned = [i for i in sorted(index.outgoing(doc.id)) if i not in about and not i.startswith("sources/")]
    if mentioned:
        node["mentions"] = [mention(index, i) for i in mentioned]
    cited = [f"sources/{s}" for s in sources_of(doc) if index.has(f"sources/{s}")]
    if cited:
        node["citation"] = [citation(index, s) for s in cited]
    return node


def _fact_page(index: Index, sheet: FactSheet, page: str, language: str = "") -> list[dict]:
    node = entity(index, sheet)  # the same @id on every version of the page: one entity
    webpage: dict = {"@type": "WebPage", "@id": page, "url": page, "name": sheet.name,
                     "isPartOf": {"@id": _site_ids(index)[0]}, "mainEntity": {"@id": node["@id"]},
                     "inLanguage": language or index.config.language}
    cited = [f"sources/{s}" for s in sources_of(sheet) if index.has(f"sources/{s}")]
    if cited:
        webpage["citation"] = [citation(index, s) for s in cited]
    explainers = [i for i in index.backlinks(sheet.id) if i.startswith("explainers/")]
    if explainers:
        node["subjectOf"] = [mention(index, i) for i in explainers]
    return [webpage, node]


def _collection(index: Index, route: Route, page: str, name: str, ids: list[str]) -> dict:
    node = {"@type": "CollectionPage", "@id": page, "url": page, "name": name,
            "isPartOf": {"@id": _site_ids(index)[0]}, "inLanguage": route.language or index.config.language}
    if ids:
        node["mainEntity"] = {"@type": "ItemList", "numberOfItems": len(ids), "itemListElement": [
            {"@type": "ListItem", "position": n, "url": _abs(index, index.url(i)), "name": index.title(i)}
            for n, i in enumerate(ids, 1)]}
    return node


def _collection_ids(index: Index, route: Route) -> tuple[str, list[str]]:
    if route.kind in ("home", "explainers"):  # never split: their key is a page's id, if any
        return index.config.title, index.ids_of_kind("explainer")
    base, number = split_page(route.key)  # a long list's page 2 on lists only its own share
    per_page = index.config.publish.per_page
    share = slice((number - 1) * per_page, number * per_page)
    if route.kind == "type-index":
        tspec = index.config.type(base)
        return tspec.plural, index.ids_of_type(tspec.name)[share]
    if route.kind == "tag":
        return f"Tagged {base}", list(index.tagged(base))[share]
    if route.kind == "timeline":
        return "Timeline", index.ids_of_type("event")[share]
    return "Tags", []


def page_graph(index: Index, route: Route, title: str = "") -> dict:
    """The JSON-LD for one page: the site, and what the page is about."""
    page = _abs(index, route.url)
    graph: list[dict] = [website(index)]
    if route.kind in ("explainer", "page"):
        graph.append(_article(index, shown_document(index, route.key), page))
        graph.append(_publisher(index))
    elif route.kind == "fact":
        graph.extend(_fact_page(index, shown_sheet(index, route.key, route.language or index.config.language), page,
                                route.language))
        if index.config.type(index.type_of(route.key)).schema_org == "ClaimReview":
            graph.append(_publisher(index))
    elif route.kind in ("home", "type-index", "tag", "timeline", "tags", "explainers"):
        name, ids = _collection_ids(index, route)
        graph.append(_collection(index, route, page, title or name, ids))
        if route.kind == "home":
            graph.append(_publisher(index))
    else:
        graph.append({"@type": "WebPage", "@id": page, "url": page, "name": title or index.config.title,
                      "isPartOf": {"@id": _site_ids(index)[0]}})
    return {"@context": "https://schema.org", "@graph": graph}


def json_ld(index: Index, route: Route, title: str = "") -> Markup:
    """The page's JSON-LD, ready to sit between <script type="application/ld+json"> tags."""
    return Markup(safe_json(page_graph(index, route, title)))
