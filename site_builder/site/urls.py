"""Where every page lives: URLs under base_url's path, and the output file for each URL."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit


class Urls:
    def __init__(self, base_url: str):
        self.base_url = base_url
        path = urlsplit(base_url).path or "/"
        self.base = path if path.endswith("/") else path + "/"
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    def path(self, rel: str, language: str = "") -> str:
        """A site URL for an output path such as 'cars/x/' (no leading slash); under /<language>/ for a
        language other than the site's own."""
        return self.base + (f"{quote(language)}/" if language else "") + quote(rel)

    def home(self, language: str = "") -> str:
        return self.path("", language)

    def explainer(self, slug: str, language: str = "") -> str:
        return self.path(f"explainers/{slug}/", language)

    def page(self, slug: str, language: str = "") -> str:
        return self.path(f"{slug}/", language)

    def fact(self, id_: str, language: str = "") -> str:
        return self.path(f"{id_}/", language)

    def type_index(self, folder: str) -> str:
        return self.path(f"{folder}/")

    def tag(self, tag: str) -> str:
        return self.path(f"tags/{tag}/")

    def media(self, rel_path: str) -> str:
        return self.path(rel_path.removeprefix("content/"))

    def static(self, name: str) -> str:
        return self.path(f"static/{name}")

    def absolute(self, url: str) -> str:
        return self.origin + url if url.startswith("/") else url


def out_path_for(url_path: str, base: str) -> str:
    """The output file for a URL path under base: pretty URLs become folder/index.html."""
    rel = url_path[len(base):] if url_path.startswith(base) else url_path.lstrip("/")
    rel = unquote(rel)  # a file 'a b.jpg' is served at .../a%20b.jpg, so it is written as 'a b.jpg'
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    return rel
