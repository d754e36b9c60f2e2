"""What exists in a build: the `World` every item is linked against, the files held back from it, and
the `Lookups` through which one item asks about it (each name it asks about is noted, so a later change
to what exists links again exactly the items that asked)."""

from __future__ import annotations

from dataclasses import dataclass


class World:
    """What exists: every item's id (with its type), fact sheets' short ids, content paths, media files,
    and the content files that are not items of this build (`held`), and what other items' checks read
    of a fact sheet (checks.world_facts: its date and its hosts)."""

    def __init__(self):
        self.ids: dict[str, str] = {}  # id -> type name (a fact type, or 'explainer' or 'page')
        self.short: dict[str, tuple[str, ...]] = {}  # a fact sheet's slug -> ids, sorted
        self.by_path: dict[str, str] = {}  # rel_path -> id
        self.paths: dict[str, str] = {}  # id -> rel_path
        self.media: frozenset[str] = frozenset()
        self.held: dict[str, Held] = {}  # rel_path -> a file whose item is not in the site, and why
        self.held_ids: dict[str, str] = {}  # the id of each of them -> its rel_path
        self.facts: dict[str, tuple] = {}  # fact-sheet id -> (date as (y, m, d) or None, hosts)
        self.info: dict = {}  # media rel_path -> MediaInfo (site/media.py)
        self.dates: dict = {}  # content rel_path -> PartialDate of its last commit (site/dates.py)
        self.cards: bool = False  # whether the site makes share cards (site/media.py)

    def hold(self, rel: str, held: "Held | None") -> set[str]:
        """Note that the file at rel is held back (or no longer is); the names whose answer changed."""
        old = self.held.pop(rel, None)
        if old == held:
            if held is not None:
                self.held[rel] = held
            return set()
        names: set[str] = set()
        for entry in (old, held):
            if entry is not None:
                names.update((f"id:{entry.id}", f"short:{entry.id.rpartition('/')[2]}", f"path:{rel}"))
        if old is not None and self.held_ids.get(old.id) == rel:
            del self.held_ids[old.id]
        if held is not None:
            self.held[rel] = held
            self.held_ids[held.id] = rel
        return names

    def held_item(self, target: str) -> "Held | None":
        """The held file a written id, or a fact sheet's short id, names."""
        rel = self.held_ids.get(target)
        if rel is not None:
            return self.held[rel]
        if "/" not in target:
            found = [h for h in self.held.values() if h.fact and h.id.rpartition("/")[2] == target]
            return found[0] if len(found) == 1 else None
        return None


@dataclass(frozen=True, slots=True)
class Held:
    """A content file that is not an item of this build: it could not be read, or it is not published yet."""

    id: str  # from its path: the type's folder (or explainers/, pages/) and its file name
    fact: bool  # a fact sheet (short ids name fact sheets only)
    why: str  # UNREADABLE, DRAFT, or the date it is scheduled for (YYYY-MM-DD)


UNREADABLE, DRAFT = "unreadable", "draft"


class Lookups:
    """Answers about the world for one item, noting each name asked about (id:, short:, path:, media:)."""

    def __init__(self, world: World):
        self.world = world
        self.names: set[str] = set()

    def lookup(self, target: str) -> str | None:
        self.names.update((f"id:{target}", f"short:{target}"))
        if target in self.world.ids:
            return target
        found = self.world.short.get(target)
        return found[0] if found and len(found) == 1 else None

    def has(self, id_: str) -> bool:
        self.names.add(f"id:{id_}")
        return id_ in self.world.ids

    def path(self, rel: str) -> str | None:
        self.names.update((f"path:{rel}", f"media:{rel}"))
        return rel if rel in self.world.media else self.world.by_path.get(rel)

    def medium(self, rel: str) -> bool:
        self.names.add(f"media:{rel}")
        return rel in self.world.media

    def held(self, target: str) -> Held | None:
        """The held file an id (or short id) names; ask only after lookup() found nothing (it notes the names)."""
        return self.world.held_item(target)

    def date(self, id_: str) -> tuple | None:
        """A fact sheet's date as (year, month, day), 0 for what is not known, or None."""
        self.names.add(f"date:{id_}")
        return self.world.facts.get(id_, (None, ()))[0]

    def hosts(self, id_: str) -> tuple[str, ...]:
        """The web hosts a fact sheet gives as its own (checks.hosts_of)."""
        self.names.add(f"host:{id_}")
        return self.world.facts.get(id_, (None, ()))[1]

    def picture(self, rel: str):
        """The MediaInfo of a media file (its size, or why it cannot be read)."""
        self.names.add(f"pixels:{rel}")
        return self.world.info.get(rel)
