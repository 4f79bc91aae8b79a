"""Deterministic scale generator for the benchmark: snapshot-format data in the portal's shapes.

The scaled table is a town x assistance type x month dataset (registry kind `town_program_monthly`, id
`bnch-0001`), the shape of the portal's monthly township datasets. One month holds every town (the 169
towns, Unknown and Out of State) x every program of the catalogue; scale 1x is the smallest whole number of
months that reaches `unit_rows` rows, and scale k is exactly k times as many months, so k x the rows. Months
run on from January 2012, so the 100x table reaches far into the future: the values are synthetic; the shape
and the size are what is measured.

Town and program names are the seeds' canonical names (seeds/ct_towns.csv, seeds/programs.csv), so every row
maps through the alias seeds; without the seeds, the names served by the bundled sample's township dataset are
used. Counts are a fixed function of (town, program, month, vintage): the same arguments write the same bytes.
Rows are written as the portal serves them (`$select=:id,*`: every value a string, an `:id` per row), in page
files of `rows_per_file` rows, as `ctdss extract` writes them.

    python scripts/bench/scale.py --out DIR --scale 10 [--unit-rows 100000] [--next-month]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "seeds"
SAMPLE = PROJECT_ROOT / "data" / "sample"
TOWN_SAMPLE_DATASET = "gjf6-ig4b"

DATASET_ID = "bnch-0001"
KIND = "town_program_monthly"
FIELDS = {"town": "town", "program": "assistance_type", "month": "month", "count": "recipients"}
UNIT_ROWS = 100_000
ROWS_PER_FILE = 50_000
FIRST_MONTH = (2012, 1)
ROWS_UPDATED_AT = 1_735_689_600  # 2025-01-01T00:00:00Z; a next-month vintage is one day later
REVISED_MONTHS = 3  # DSS revises a month for three months after it is published
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"  # the 32 characters of Socrata's row ids


class ScaleError(Exception):
    """The generator cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class Grid:
    towns: tuple[str, ...]
    programs: tuple[str, ...]
    months: int

    @property
    def per_month(self) -> int:
        return len(self.towns) * len(self.programs)

    @property
    def rows(self) -> int:
        return self.per_month * self.months


def _normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def names(seeds: Path = SEEDS, sample: Path = SAMPLE) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The town and program names of one month, and where they came from."""
    towns_csv, programs_csv = seeds / "ct_towns.csv", seeds / "programs.csv"
    if towns_csv.exists() and programs_csv.exists():
        with towns_csv.open(newline="", encoding="utf-8") as f:
            towns = [r["town_name"] for r in csv.DictReader(f) if r["town_key"] != "statewide"]
        with programs_csv.open(newline="", encoding="utf-8") as f:
            programs = [r["program_name"] for r in csv.DictReader(f)]
        return tuple(sorted(set(towns))), tuple(sorted(set(programs))), "seeds"
    files = sorted((sample / TOWN_SAMPLE_DATASET).glob("rows*.json"))
    if files:
        towns_seen: dict[str, str] = {}
        programs_seen: dict[str, str] = {}
        for path in files:
            for row in json.loads(path.read_text(encoding="utf-8")):
                if row.get("town"):
                    towns_seen.setdefault(_normalise(row["town"]), row["town"].strip())
                if row.get("program"):
                    programs_seen.setdefault(_normalise(row["program"]), row["program"].strip())
        return tuple(sorted(towns_seen.values())), tuple(sorted(programs_seen.values())), "sample"
    raise ScaleError(
        f"The scale generator takes its town and program names from the seeds ({towns_csv}, "
        f"{programs_csv}) or from the bundled sample ({sample / TOWN_SAMPLE_DATASET}), and neither is there. "
        f"Restore the seeds or run `make sample`, then run again."
    )


def grid_for(scale: int, unit_rows: int = UNIT_ROWS, seeds: Path = SEEDS, sample: Path = SAMPLE) -> Grid:
    towns, programs, _ = names(seeds, sample)
    per_month = len(towns) * len(programs)
    unit_months = -(-unit_rows // per_month)
    return Grid(towns=towns, programs=programs, months=unit_months * scale)


def month_text(index: int) -> str:
    year, month = FIRST_MONTH[0] + (FIRST_MONTH[1] - 1 + index) // 12, (FIRST_MONTH[1] - 1 + index) % 12 + 1
    return f"{year:04d}-{month:02d}-01T00:00:00.000"


def _code(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(out)


def _scramble(value: int, bits: int) -> int:
    """A bijection on [0, 2**bits): ids do not sort in row order, as on the portal."""
    mask = (1 << bits) - 1
    value = (value * 0x9E3779B1) & mask
    value ^= value >> (bits // 2)
    return (value * 0x85EBCA77) & mask


def _hash(*parts: int) -> int:
    h = 0x811C9DC5
    for p in parts:
        h = ((h ^ (p & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
    return h


def _weights(items: tuple[str, ...], salt: int, low: int, high: int) -> list[int]:
    return [low + _hash(salt, i, len(name)) % (high - low) for i, name in enumerate(items)]


def rows_text(grid: Grid, month: int, vintage: int) -> Iterator[str]:
    """The JSON text of one month's rows, one row object per item."""
    town_w = _weights(grid.towns, 1, 1, 400)
    program_w = _weights(grid.programs, 2, 1, 120)
    month_s = month_text(month)
    revised = vintage > 0 and month >= grid.months - REVISED_MONTHS
    month_code = _code(_scramble(month, 20), 4)
    season = 95 + (month * 7) % 11
    program_j = [json.dumps(name) for name in grid.programs]
    combo = 0
    for t, town in enumerate(grid.towns):
        town_j = json.dumps(town)
        for p in range(len(grid.programs)):
            noise = _hash(t, p, month, vintage if revised else 0)
            count = town_w[t] * program_w[p] * season // 100 + noise % 97 - 48
            if count < 5 or noise % 23 == 0:
                count = 0  # the portal publishes 0 for a count from 0 to 4
            code = _code(_scramble(combo, 40), 8)
            combo += 1
            yield (
                f'{{":id":"row-{month_code}.{code[:4]}_{code[4:]}","town":{town_j},'
                f'"assistance_type":{program_j[p]},"month":"{month_s}","recipients":"{count}"}}'
            )


def metadata(grid: Grid, vintage: int) -> dict:
    updated = ROWS_UPDATED_AT + 86_400 * vintage
    columns = [
        ("Town", "town", "text"),
        ("Assistance Type", "assistance_type", "text"),
        ("Month", "month", "calendar_date"),
        ("Recipients", "recipients", "number"),
    ]
    return {
        "id": DATASET_ID,
        "name": "DSS Township Counts - by Assistance Type - by Month (synthetic, benchmark)",
        "description": "Synthetic benchmark data in the portal's shape; the counts are invented.",
        "rowsUpdatedAt": updated,
        "viewLastModified": updated,
        "columns": [
            {"id": 900_000 + i, "name": name, "fieldName": field, "dataTypeName": dtype, "position": i + 1}
            for i, (name, field, dtype) in enumerate(columns)
        ],
    }


def write_dataset(
    directory: Path,
    grid: Grid,
    *,
    vintage: int = 0,
    rows_per_file: int = ROWS_PER_FILE,
    reuse_from: Path | None = None,
) -> int:
    """Write the dataset's metadata and row pages. Returns the row count.

    With `reuse_from` (an earlier vintage's directory), a page whose months are all older than the revised
    months is hard-linked from there instead of written again: the bytes would be the same.
    """
    directory.mkdir(parents=True, exist_ok=True)
    meta = json.dumps(metadata(grid, vintage), indent=2) + "\n"
    (directory / "metadata.json").write_text(meta, encoding="utf-8")
    stable_before = (grid.months - REVISED_MONTHS) * grid.per_month  # rows of the months this vintage keeps
    written = 0
    page = 0
    buffer: list[str] = []

    def flush() -> None:
        nonlocal page, buffer
        page += 1
        name = f"rows-{page:06d}.json"
        source = reuse_from / name if reuse_from else None
        if source is not None and source.exists() and written <= stable_before:
            os.link(source, directory / name)
        else:
            with (directory / name).open("w", encoding="utf-8") as f:
                f.write("[\n")
                f.write(",\n".join(buffer))
                f.write("\n]\n")
        buffer = []

    for month in range(grid.months):
        for text in rows_text(grid, month, vintage):
            buffer.append(text)
            written += 1
            if len(buffer) == rows_per_file:
                flush()
    if buffer:
        flush()
    return written


def write_snapshot(
    out: Path,
    scale: int,
    *,
    unit_rows: int = UNIT_ROWS,
    next_month: bool = False,
    rows_per_file: int = ROWS_PER_FILE,
    reuse_from: Path | None = None,
    sample: Path = SAMPLE,
    seeds: Path = SEEDS,
) -> dict:
    """Write a snapshot directory: the scaled bench dataset plus the bundled sample's datasets.

    `next_month` writes the next publication: one more month, and the last months revised. The sample's
    monthly dataset gets its next month too (the last month's rows, one month later), so the project's
    incremental models see a new month as well. Returns a description of what was written.
    """
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    grid = grid_for(scale, unit_rows, seeds, sample)
    vintage = 1 if next_month else 0
    if next_month:
        grid = Grid(grid.towns, grid.programs, grid.months + 1)
    reuse = Path(reuse_from) / DATASET_ID if reuse_from else None
    rows = write_dataset(out / DATASET_ID, grid, vintage=vintage, rows_per_file=rows_per_file,
                         reuse_from=reuse)
    copied = _copy_sample(sample, out, next_month)
    info = {
        "synthetic": True,
        "description": f"Benchmark snapshot at {scale}x: {DATASET_ID} with {rows} rows "
        f"({grid.months} months x {len(grid.towns)} towns x {len(grid.programs)} programs), plus the bundled "
        f"sample's datasets{' and one new month' if next_month else ''}. Synthetic.",
        "created_at": "2025-01-01T00:00:00Z",
    }
    (out / "snapshot.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return {
        "scale": scale,
        "rows": rows,
        "months": grid.months,
        "towns": len(grid.towns),
        "programs": len(grid.programs),
        "first_month": month_text(0)[:7],
        "last_month": month_text(grid.months - 1)[:7],
        "bytes": sum(p.stat().st_size for p in (out / DATASET_ID).glob("rows*.json")),
        "sample_datasets": copied,
    }


def _copy_sample(sample: Path, out: Path, next_month: bool) -> list[str]:
    """Copy the sample's datasets (snapshot paths may not lead outside the snapshot, so no links)."""
    copied = []
    if not sample.is_dir():
        return copied
    for src in sorted(p for p in sample.iterdir() if p.is_dir() and (p / "metadata.json").exists()):
        shutil.copytree(src, out / src.name)
        copied.append(src.name)
    monthly = out / "sx77-vjbh"
    if next_month and monthly.is_dir():
        _add_sample_month(monthly)
    return copied


def _add_sample_month(directory: Path) -> None:
    files = sorted(directory.glob("rows*.json"))
    rows = [r for f in files for r in json.loads(f.read_text(encoding="utf-8"))]
    months = sorted({r["month"] for r in rows if r.get("month")})
    if not months:
        return
    last = months[-1]
    year, month = int(last[:4]), int(last[5:7])
    following = f"{year + month // 12:04d}-{month % 12 + 1:02d}{last[7:]}"
    new = []
    for n, row in enumerate(r for r in rows if r.get("month") == last):
        copy = dict(row, month=following)
        copy[":id"] = f"row-bnch.{_code(_scramble(n, 40), 4)}_{_code(_scramble(n, 40) >> 20, 4)}"
        new.append(copy)
    (directory / "rows-bench-next.json").write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    meta["rowsUpdatedAt"] = int(meta.get("rowsUpdatedAt") or ROWS_UPDATED_AT) + 86_400
    (directory / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the snapshot directory to (re)write")
    parser.add_argument("--scale", type=int, default=1, help="1, 10, 100, ...: k x the 1x rows")
    parser.add_argument("--unit-rows", type=int, default=UNIT_ROWS, help="rows at 1x (whole months)")
    parser.add_argument("--next-month", action="store_true", help="write the next publication")
    parser.add_argument("--reuse-from", type=Path, help="an earlier vintage to hard-link pages from")
    args = parser.parse_args(argv)
    try:
        info = write_snapshot(args.out, args.scale, unit_rows=args.unit_rows, next_month=args.next_month,
                              reuse_from=args.reuse_from)
    except ScaleError as exc:
        print(f"scale: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
