"""site.yml's settings for what a build makes besides the pages: share cards, feeds, long lists, git dates.

    share_cards: auto        # auto (on for sites of up to CARDS_AUTO_LIMIT cards), true or false
    feed_content: summary    # summary or full: what each feed entry carries
    per_page: 200            # items per page of a type, tag or timeline list
    updated_from_git: false  # explainers' `updated`, and every page's lastmod, from the last commit
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Location, Problems, did_you_mean, suggest
from .read.yamlio import Marks

KEYS = ("share_cards", "feed_content", "per_page", "updated_from_git")
CARDS_AUTO_LIMIT = 2000  # `share_cards: auto` makes cards while the site has at most this many to make
FEED_CONTENT = ("summary", "full")
PER_PAGE_DEFAULT = 200
PER_PAGE_MIN = 10


@dataclass(frozen=True, slots=True)
class PublishSettings:
    share_cards: str = "auto"  # "auto", "on" or "off"
    feed_content: str = "summary"
    per_page: int = PER_PAGE_DEFAULT
    updated_from_git: bool = False
    git_at: Location | None = None  # where site.yml turns updated_from_git on (for messages about git)

    def cards_for(self, count: int) -> bool:
        """Whether a site with `count` explainers, pages and fact sheets without an image gets share cards."""
        return self.share_cards == "on" or (self.share_cards == "auto" and count <= CARDS_AUTO_LIMIT)


def load_publish(data: dict, marks: Marks, problems: Problems) -> PublishSettings:
    """The settings from site.yml's top-level mapping; a wrong value is reported and its default used."""
    cards = data.get("share_cards", "auto")
    if cards is True or cards is False:
        cards = "on" if cards else "off"
    elif cards != "auto":
        problems.error("share_cards must be auto, true or false", marks.at(("share_cards",)),
                       f"auto makes them for sites of up to {CARDS_AUTO_LIMIT:,} pages that need one")
        cards = "auto"
    content = data.get("feed_content", "summary")
    if content not in FEED_CONTENT:
        problems.error(f"feed_content must be summary or full{did_you_mean(str(content), FEED_CONTENT)}",
                       marks.at(("feed_content",)), "full puts each explainer's whole text in its feed entry",
                       suggestions=suggest(str(content), FEED_CONTENT))
        content = "summary"
    per_page = data.get("per_page", PER_PAGE_DEFAULT)
    if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < PER_PAGE_MIN:
        problems.error(f"per_page must be a whole number of at least {PER_PAGE_MIN}", marks.at(("per_page",)),
                       f"lists longer than this are split into pages; the default is {PER_PAGE_DEFAULT}")
        per_page = PER_PAGE_DEFAULT
    git = data.get("updated_from_git", False)
    if not isinstance(git, bool):
        problems.error("updated_from_git must be true or false", marks.at(("updated_from_git",)))
        git = False
    return PublishSettings(cards, content, per_page, git, marks.at(("updated_from_git",)) if git else None)
