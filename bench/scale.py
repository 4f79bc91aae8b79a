"""Deterministic scale generator for the benchmark: one shipped kind's data at 1x, 10x and 100x.

The scaled kind is a registry kind of the project (`SCALED_KIND`); the generator writes one synthetic dataset
of that kind (`DATASET_ID`), whose fields are named after the kind's roles, and the harness registers it under
that kind beside the real datasets. So the data goes through the project's own loader, staging,
intermediate, mart and `rpt_` models: nothing is built for the benchmark alone.

One period (a month for a monthly kind, else a year) holds every town (the 169 towns, Unknown and Out of State)
x every item of the kind (each program of the catalogue, or each TOA code of the seed `assistance_types`),
under the seeds' canonical names, so every row maps through the seeds. Scale 1x is the smallest whole number of
periods that reaches `unit_rows` rows, and scale k is exactly k times as many periods, so k x the rows. Periods
run on from `FIRST_MONTH` or `FIRST_YEAR` (after the bundled sample's periods, so no key repeats one of the
sample's), so the 100x table reaches far into the future: the values are synthetic; the shape and the size are
what is measured. Counts are a fixed function of (town, item, period, vintage): the
same arguments write the same bytes. Rows are written as the portal serves them (`$select=:id,*`: every value
a string, an `:id` per row), in page files of `rows_per_file` rows, as `ctdss extract` writes them.

The next publication (`next_month=True`) is what DSS publishes when a month ends: every monthly dataset (the
scaled one, if its kind is monthly, and the bundled sample's) gains a month and has its two previous months
revised; an annual dataset is not republished, so its files and its rowsUpdatedAt stay as they were.

    python bench/scale.py --out DIR --scale 10 [--unit-rows 100000] [--next-month]
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

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Path("models") / "staging" / "socrata" / "_socrata__sources.yml"

# The kind the benchmark scales: the catalogue's town x TOA code x month kind (g7bd-zbqw's).
SCALED_KIND = "town_assistance_monthly"

DATASET_ID = "bnch-0001"
UNIT_ROWS = 100_000
ROWS_PER_FILE = 50_000
FIRST_YEAR = 2027
FIRST_MONTH = (2027, 1)
ROWS_UPDATED_AT = 1_735_689_600  # 2025-01-01T00:00:00Z; a next-month vintage is one day later
REVISED_MONTHS = 2  # the months before a new month that its publication revises (DSS: 3 months in all)
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"  # the 32 characters of Socrata's row ids
FIELD_TYPES = {"town": "text", "program": "text", "assistance_type": "text", "medical_benefit_plan": "text",
               "year": "number", "month": "calendar_date", "count": "number"}
# The kind's item role (what a town's rows of one period are per) -> the seed and column of its canonical names.
ITEM_SEEDS = {"program": ("programs.csv", "program_name"),
              "assistance_type": ("assistance_types.csv", "assistance_type_code")}


class ScaleError(Exception):
    """The generator cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class Shape:
    """What one row of the scaled kind carries: its roles, in registry order, and its period role."""

    kind: str
    roles: tuple[str, ...]

    @property
    def period(self) -> str:
        return "month" if "month" in self.roles else "year"

    @property
    def monthly(self) -> bool:
        return self.period == "month"

    @property
    def item(self) -> str:
        """The role each town's rows of one period are per: the program, or the type of assistance."""
        return next(role for role in self.roles if role in ITEM_SEEDS)

    @property
    def fields(self) -> dict[str, str]:
        """role -> field name of the synthetic dataset: named after the roles."""
        return {role: role for role in self.roles}


@dataclass(frozen=True)
class Grid:
    towns: tuple[str, ...]
    items: tuple[str, ...]
    periods: int

    @property
    def per_period(self) -> int:
        return len(self.towns) * len(self.items)

    @property
    def rows(self) -> int:
        return self.per_period * self.periods


def shape(root: Path = PROJECT_ROOT, kind: str = SCALED_KIND) -> Shape:
    """The scaled kind's roles, read from the project's registry (the dbt sources file)."""
    import yaml

    doc = yaml.safe_load((root / REGISTRY).read_text(encoding="utf-8"))
    tables = [t for s in doc.get("sources", []) if s.get("name") == "socrata" for t in s.get("tables") or []]
    table = next((t for t in tables if t.get("name") == kind), None)
    if table is None:
        raise ScaleError(
            f"The benchmark scales the registry kind `{kind}`, which {root / REGISTRY} does not list (it lists "
            f"{', '.join(t.get('name', '?') for t in tables)}). Set SCALED_KIND in bench/scale.py to one of them."
        )
    required = tuple(((table.get("config") or {}).get("meta") or {}).get("required_roles") or ())
    if "town" not in required or not {"year", "month"} & set(required) or not set(ITEM_SEEDS) & set(required):
        raise ScaleError(f"The scaled kind `{kind}` must have a town, a year or month, and a program or assistance "
                         f"type role; it has {required}.")
    return Shape(kind, required)


def names(seeds: Path, item: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The town and item names of one period: the seeds' canonical names."""
    seed, column = ITEM_SEEDS[item]
    towns_csv, items_csv = seeds / "ct_towns.csv", seeds / seed
    if not (towns_csv.exists() and items_csv.exists()):
        raise ScaleError(
            f"The scale generator takes its town and {item} names from the seeds ({towns_csv}, {items_csv}), "
            f"and they are not there. Restore the seeds, then run again."
        )
    with towns_csv.open(newline="", encoding="utf-8") as f:
        towns = [r["town_name"] for r in csv.DictReader(f) if r["town_key"] != "statewide"]
    with items_csv.open(newline="", encoding="utf-8") as f:
        items = [r[column] for r in csv.DictReader(f)]
    return tuple(sorted(set(towns))), tuple(sorted(set(items)))


def grid_for(scale: int, unit_rows: int, seeds: Path, item: str) -> Grid:
    towns, items = names(seeds, item)
    unit_periods = -(-unit_rows // (len(towns) * len(items)))
    return Grid(towns=towns, items=items, periods=unit_periods * scale)


def period_text(monthly: bool, index: int) -> str:
    if not monthly:
        return str(FIRST_YEAR + index)
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


def rows_text(shape_: Shape, grid: Grid, period: int, vintage: int) -> Iterator[str]:
    """The JSON text of one period's rows, one row object per item."""
    town_w = _weights(grid.towns, 1, 1, 400)
    item_w = _weights(grid.items, 2, 1, 120)
    period_j = json.dumps(period_text(shape_.monthly, period))
    revised = shape_.monthly and vintage > 0 and period >= grid.periods - 1 - REVISED_MONTHS
    period_code = _code(_scramble(period, 20), 4)
    season = 95 + (period * 7) % 11
    item_j = [json.dumps(name) for name in grid.items]
    combo = 0
    for t, town in enumerate(grid.towns):
        town_j = json.dumps(town)
        for p in range(len(grid.items)):
            noise = _hash(t, p, period, vintage if revised else 0)
            count = town_w[t] * item_w[p] * season // 100 + noise % 97 - 48
            if count < 5 or noise % 23 == 0:
                count = 0  # the portal publishes 0 for a count from 0 to 4
            code = _code(_scramble(combo, 40), 8)
            combo += 1
            yield (
                f'{{":id":"row-{period_code}.{code[:4]}_{code[4:]}","town":{town_j},'
                f'"{shape_.item}":{item_j[p]},"{shape_.period}":{period_j},"count":"{count}"}}'
            )


def metadata(shape_: Shape, vintage: int) -> dict:
    updated = ROWS_UPDATED_AT + 86_400 * vintage
    return {
        "id": DATASET_ID,
        "name": f"DSS {shape_.kind} (synthetic, benchmark)",
        "description": "Synthetic benchmark data in the portal's shape; the counts are invented.",
        "rowsUpdatedAt": updated,
        "viewLastModified": updated,
        "columns": [
            {"id": 900_000 + i, "name": role.replace("_", " ").title(), "fieldName": field,
             "dataTypeName": FIELD_TYPES[role], "position": i + 1}
            for i, (role, field) in enumerate(shape_.fields.items())
        ],
    }


def write_dataset(directory: Path, shape_: Shape, grid: Grid, *, vintage: int = 0,
                  rows_per_file: int = ROWS_PER_FILE, reuse_from: Path | None = None) -> int:
    """Write the dataset's metadata and row pages. Returns the row count.

    With `reuse_from` (an earlier vintage's directory), a page whose periods are all older than the revised
    ones is hard-linked from there instead of written again: the bytes would be the same.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metadata.json").write_text(json.dumps(metadata(shape_, vintage), indent=2) + "\n", "utf-8")
    stable_rows = (grid.periods - 1 - REVISED_MONTHS) * grid.per_period if vintage else 0
    written = page = 0
    buffer: list[str] = []

    def flush() -> None:
        nonlocal page, buffer
        page += 1
        name = f"rows-{page:06d}.json"
        source = reuse_from / name if reuse_from else None
        if source is not None and source.exists() and written <= stable_rows:
            os.link(source, directory / name)
        else:
            with (directory / name).open("w", encoding="utf-8") as f:
                f.write("[\n" + ",\n".join(buffer) + "\n]\n")
        buffer = []

    for period in range(grid.periods):
        for text in rows_text(shape_, grid, period, vintage):
            buffer.append(text)
            written += 1
            if len(buffer) == rows_per_file:
                flush()
    if buffer:
        flush()
    return written


def write_snapshot(out: Path, scale: int, *, unit_rows: int = UNIT_ROWS, next_month: bool = False,
                   rows_per_file: int = ROWS_PER_FILE, reuse_from: Path | None = None,
                   root: Path = PROJECT_ROOT) -> dict:
    """Write a snapshot directory: the scaled dataset plus the bundled sample's datasets.

    `next_month` writes the next publication (see the module's docstring). Returns a description of it.
    """
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shape_ = shape(root)
    grid = grid_for(scale, unit_rows, root / "seeds", shape_.item)
    republished = next_month and shape_.monthly
    if republished:
        grid = Grid(grid.towns, grid.items, grid.periods + 1)
    if next_month and not republished and reuse_from:
        shutil.copytree(Path(reuse_from) / DATASET_ID, out / DATASET_ID, copy_function=os.link)
        rows = grid.rows
    else:
        reuse = Path(reuse_from) / DATASET_ID if reuse_from else None
        rows = write_dataset(out / DATASET_ID, shape_, grid, vintage=1 if republished else 0,
                             rows_per_file=rows_per_file, reuse_from=reuse)
    copied = _copy_sample(root / "data" / "sample", out, next_month)
    info = {
        "synthetic": True,
        "description": f"Benchmark snapshot at {scale}x: {DATASET_ID} ({shape_.kind}) with {rows} rows, plus the "
        f"bundled sample's datasets{', one month on' if next_month else ''}. Synthetic.",
        "created_at": "2025-01-01T00:00:00Z",
    }
    (out / "snapshot.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return {
        "scale": scale,
        "kind": shape_.kind,
        "period": shape_.period,
        "rows": rows,
        "periods": grid.periods,
        "towns": len(grid.towns),
        "items": len(grid.items),
        "item": shape_.item,
        "first_period": period_text(shape_.monthly, 0)[:7],
        "last_period": period_text(shape_.monthly, grid.periods - 1)[:7],
        "bytes": sum(p.stat().st_size for p in (out / DATASET_ID).glob("rows*.json")),
        "sample_datasets": copied,
    }


def write_window(out: Path, next_snapshot: Path, scale: int, *, unit_rows: int = UNIT_ROWS,
                 window_months: int = 3, root: Path = PROJECT_ROOT) -> dict:
    """What the portal answers a window refresh of the next publication with, as a snapshot the emulator serves:
    every dataset of `next_snapshot`, except that the scaled monthly dataset holds only the months a window pull
    asks for (the last `window_months` months landed, and the new one). The loader's window pull (`$where`
    month >= its window start, and the portal's count of those rows) gets exactly the answer the whole
    publication would give, without the emulator holding millions of rows it would never serve."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(next_snapshot, out, ignore=shutil.ignore_patterns(DATASET_ID))
    shape_ = shape(root)
    if not shape_.monthly:
        shutil.copytree(next_snapshot / DATASET_ID, out / DATASET_ID)
        return {"rows": 0}
    grid = grid_for(scale, unit_rows, root / "seeds", shape_.item)
    grid = Grid(grid.towns, grid.items, grid.periods + 1)
    directory = out / DATASET_ID
    directory.mkdir()
    (directory / "metadata.json").write_text(json.dumps(metadata(shape_, 1), indent=2) + "\n", "utf-8")
    first = max(0, grid.periods - 1 - window_months)
    rows = [text for period in range(first, grid.periods) for text in rows_text(shape_, grid, period, 1)]
    (directory / "rows-000001.json").write_text("[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    return {"rows": len(rows), "first_period": period_text(True, first)[:7]}


def _copy_sample(sample: Path, out: Path, next_month: bool) -> list[str]:
    """Copy the sample's datasets (snapshot paths may not lead outside the snapshot, so no links)."""
    copied = []
    for src in sorted(p for p in sample.iterdir() if p.is_dir() and (p / "metadata.json").exists()):
        shutil.copytree(src, out / src.name)
        copied.append(src.name)
    if next_month:
        for directory in (out / name for name in copied):
            meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
            if any(c.get("dataTypeName") == "calendar_date" for c in meta.get("columns", [])):
                next_sample_month(directory)
    return copied


def next_sample_month(directory: Path) -> dict:
    """Publish a sample monthly dataset's next month in place: the last month's rows one month on, and the
    two months before it revised (every nonzero count up by one). Returns the months touched."""
    meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    month_field = next(c["fieldName"] for c in meta["columns"] if c.get("dataTypeName") == "calendar_date")
    count_field = next(c["fieldName"] for c in meta["columns"] if c.get("dataTypeName") == "number")
    files = sorted(directory.glob("rows*.json"))
    pages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    months = sorted({r[month_field] for page in pages for r in page if r.get(month_field)})
    last = months[-1]
    revised = set(months[-REVISED_MONTHS:])
    for path, page in zip(files, pages, strict=True):
        for row in page:
            if row.get(month_field) in revised and row.get(count_field, "0").isdigit() and row[count_field] != "0":
                row[count_field] = str(int(row[count_field]) + 1)
        path.write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
    year, month = int(last[:4]), int(last[5:7])
    following = f"{year + month // 12:04d}-{month % 12 + 1:02d}{last[7:]}"
    new = []
    for n, row in enumerate(r for page in pages for r in page if r.get(month_field) == last):
        code = _scramble(n, 40)
        new.append(dict(row, **{month_field: following, ":id": f"row-nxtm.{_code(code, 4)}_{_code(code >> 20, 4)}"}))
    (directory / "rows-next-month.json").write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    meta["rowsUpdatedAt"] = int(meta.get("rowsUpdatedAt") or ROWS_UPDATED_AT) + 86_400
    (directory / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return {"new_month": following[:7], "revised_months": sorted(m[:7] for m in revised)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the snapshot directory to (re)write")
    parser.add_argument("--scale", type=int, default=1, help="1, 10, 100, ...: k x the 1x rows")
    parser.add_argument("--unit-rows", type=int, default=UNIT_ROWS, help="rows at 1x (whole periods)")
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
