"""The benchmark harness's own bookkeeping: what it removes between cold builds, and when; its site settings
and the tables it makes of what it measured."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import corpus  # noqa: E402
import report  # noqa: E402
import session  # noqa: E402


class _Tool:
    def __init__(self, site: Path):
        self.site = site

    def outputs(self) -> list[Path]:
        return [self.site / "output", self.site / ".cache", self.site / "link", self.site / "absent"]


def _site(tmp_path: Path) -> tuple[_Tool, Path]:
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (site / "output" / "a").mkdir(parents=True)
    (site / "output" / "a" / "index.html").write_text("page", "utf-8")
    (site / ".cache").write_text("kept state", "utf-8")
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("not the tool's", "utf-8")
    (site / "link").symlink_to(elsewhere, target_is_directory=True)
    return _Tool(site), elsewhere


def test_wiped_outputs_wait_in_the_trash_until_the_run_ends(tmp_path):
    tool, elsewhere = _site(tmp_path)
    trash = tmp_path / "trash"
    with session.Trash(trash):
        session.wipe(tool)
        assert not any(p.exists() or p.is_symlink() for p in tool.outputs())
        kept = sorted(p.name.split("-", 1)[1] for p in trash.iterdir())
        assert kept == [".cache", "link", "output"]
        assert next(trash.glob("*-output")).joinpath("a", "index.html").read_text("utf-8") == "page"
    assert not trash.exists()
    assert session.Trash.folder is None
    assert (elsewhere / "precious.txt").read_text("utf-8") == "not the tool's"  # a link is moved, never followed


def test_without_a_trash_wiped_outputs_are_deleted(tmp_path):
    tool, elsewhere = _site(tmp_path)
    session.wipe(tool)
    assert not any(p.exists() or p.is_symlink() for p in tool.outputs())
    assert (elsewhere / "precious.txt").exists()


def test_a_setting_is_set_once_and_taken_away_whole(tmp_path):
    (tmp_path / "site.yml").write_text("title: T\nshare_cards: true\nsearch: off\n", "utf-8")
    corpus.set_key(tmp_path, "share_cards", "false")
    corpus.set_engine(tmp_path, "python-markdown")
    assert (tmp_path / "site.yml").read_text("utf-8") == (
        "title: T\nsearch: off\nshare_cards: false\nmarkdown: python-markdown\n")
    corpus.set_key(tmp_path, "share_cards", None)
    corpus.set_engine(tmp_path, "cmark-gfm")
    corpus.set_search(tmp_path, True)
    assert (tmp_path / "site.yml").read_text("utf-8") == "title: T\n"


def _row(tool: str, cold: float, cpu: float, variant: str | None = None) -> dict:
    return {"corpus": "articles 1,000", "pages": 1000, "tool": tool, "search": False, "ours": True,
            "engine": "cmark-gfm", "variant": variant, "cold": cold, "cold_cpu": cpu, "nochange": 0.2}


def test_the_build_without_share_cards_is_set_beside_the_first_builder_and_kept_out_of_before_and_after():
    rows = [_row("site-builder 8cf5d7d", 2.0, 3.0), _row("site-builder abc1234", 3.0, 5.0),
            _row("site-builder abc1234, no share cards", 1.9, 3.3, "no share cards")]
    text = report.render(rows)
    cards = text.split("## Share cards")[1].split("##")[0]
    assert "| articles 1,000 | site-builder 8cf5d7d | 3.00 | 1.90 | 2.00 | 0.95x | 3.30 | 3.00 | 1.10x |" in cards
    before_after = text.split("## Before and after")[1]
    assert "no share cards" not in before_after and "1.50x" in before_after  # cold: 3.00 / 2.00, with cards


def test_no_cards_table_without_an_earlier_builder():
    rows = [_row("site-builder abc1234", 3.0, 5.0), _row("site-builder abc1234, no share cards", 1.9, 3.3, "no share cards")]
    assert "## Share cards" not in report.render(rows)
