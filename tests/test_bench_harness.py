"""The benchmark harness's own bookkeeping: what it removes between cold builds, and when."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
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
