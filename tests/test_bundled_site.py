"""The site that ships in this repository must always pass a strict check and meet its content bar."""

from __future__ import annotations

import re
from pathlib import Path

from site_builder.build import BuildOptions, build_site

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_site_passes_strict_check():
    result = build_site(ROOT, BuildOptions(strict=True), write=False)
    assert result.ok, "\n".join(d.format() for d in result.diagnostics)
    assert not result.diagnostics, "\n".join(d.format() for d in result.diagnostics)


def test_bundled_site_meets_the_content_bar():
    result = build_site(ROOT, BuildOptions(), write=False)
    index = result.index
    by_type: dict[str, int] = {}
    for id_ in index.fact_ids():
        by_type[index.type_of(id_)] = by_type.get(index.type_of(id_), 0) + 1
    assert sum(by_type.values()) > 60
    assert by_type["source"] > 25 and by_type["event"] > 15 and by_type["claim"] >= 5
    explainers = [index.item(i) for i in index.ids_of_kind("explainer")]
    assert len(explainers) >= 5
    for doc in explainers:
        body = (ROOT / doc.rel_path).read_text("utf-8").split("\n---\n", 1)[1]  # the text after the front matter
        words = len(re.findall(r"[A-Za-z0-9’']+", re.sub(r"\[@[^\]]*\]|\[\[[^\]|]*\|?", " ", body)))
        assert words >= 600, (doc.slug, words)
        assert doc.summary, doc.slug


def test_bundled_site_cites_on_every_explainer_and_has_no_placeholder_leaks():
    result = build_site(ROOT, BuildOptions(), write=False)
    for out, data in result.outputs.items():
        if isinstance(data, bytes) and out.endswith(".html"):
            assert "\ue000".encode() not in data, out
    for id_ in result.index.ids_of_kind("explainer"):
        page = result.outputs[f"{id_}/index.html"].decode()
        assert 'id="source-1"' in page, id_
