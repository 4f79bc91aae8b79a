"""The published path is a link to the newest publication; the one it replaced stays for a reader that resolved
the link a moment before, and older ones go."""

from __future__ import annotations

from pathlib import Path

from ctdss.folders import published_file


def _publish(out: Path, text: str) -> None:
    with published_file(out) as new:
        new.write_text(text)


def test_a_relative_published_path_keeps_the_publication_it_replaced_and_no_older(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the Makefile passes relative paths, as here
    out = Path("analysts") / "ct_dss.duckdb"
    for text in ("first", "second", "third"):
        _publish(out, text)
    assert out.read_text() == "third"
    home = tmp_path / "analysts" / "ct_dss.publications"
    kept = sorted((folder / "ct_dss.duckdb").read_text() for folder in home.iterdir())
    assert kept == ["second", "third"]


def test_a_failed_publication_leaves_the_link_and_the_kept_files_as_they_were(tmp_path):
    out = tmp_path / "ct_dss.duckdb"
    _publish(out, "first")
    try:
        with published_file(out) as new:
            new.write_text("half")
            raise RuntimeError("the publish failed")
    except RuntimeError:
        pass
    assert out.read_text() == "first"
    assert len(list((tmp_path / "ct_dss.publications").iterdir())) == 1
