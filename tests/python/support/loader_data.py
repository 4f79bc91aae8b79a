"""Small snapshots in the registry's shapes, for loader tests (the bundled sample is larger and synthetic)."""

from __future__ import annotations

import copy
from pathlib import Path

import duckdb

from ctdss.registry import Dataset, load_registry
from socrata_emulator import write_snapshot

ANNUAL, TOWN, MONTHLY = "chu7-5rrv", "gjf6-ig4b", "sx77-vjbh"
ROWS_UPDATED_AT = 1_700_000_000
REPO_SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


def metadata(dataset_id: str, fields: list[str], rows_updated_at: int = ROWS_UPDATED_AT) -> dict:
    return {
        "id": dataset_id,
        "name": f"Dataset {dataset_id}",
        "rowsUpdatedAt": rows_updated_at,
        "viewLastModified": rows_updated_at,
        "columns": [
            {"id": i, "name": f, "fieldName": f, "dataTypeName": "text", "position": i + 1}
            for i, f in enumerate(fields)
        ],
    }


def month_text(index: int) -> str:
    """Month number `index` from January 2019, as Socrata serves a floating timestamp."""
    return f"{2019 + index // 12:04d}-{index % 12 + 1:02d}-01T00:00:00.000"


def datasets(months: int = 24) -> dict[str, tuple[dict, list[dict]]]:
    """Metadata and rows for the three registered datasets. Counts are strings, as the portal serves them."""
    annual = [
        {":id": f"row-a{n:04d}", "program": p, "calendar_year": str(y), "number_of_recipients": str(1000 * n + y)}
        for n, (p, y) in enumerate((p, y) for p in ("SNAP", "HUSKY A", "TFA") for y in range(2012, 2020))
    ]
    towns = [
        {":id": f"row-t{n:04d}", "town": t, "program": p, "count": str(n % 7)}
        for n, (t, p) in enumerate(
            (t, p) for t in ("Andover", "Hartford", "New Haven", "Unknown") for p in ("SNAP", "TFA")
        )
    ]
    monthly = [
        {
            ":id": f"row-m{n:05d}",
            "program_name": p,
            "medical_benefit_plan": plan,
            "month": month_text(m),
            "recipients": str(100 + n),
        }
        for n, (m, p, plan) in enumerate(
            (m, p, plan) for m in range(months) for p, plan in (("HUSKY A", "HUSKY A"), ("HUSKY D", "HUSKY D"),
                                                                  ("SNAP", ""))
        )
    ]
    for row in monthly:
        if not row["medical_benefit_plan"]:
            del row["medical_benefit_plan"]  # a null field is absent from the served object
    return {
        ANNUAL: (metadata(ANNUAL, ["program", "calendar_year", "number_of_recipients"]), annual),
        TOWN: (metadata(TOWN, ["town", "program", "count"]), towns),
        MONTHLY: (metadata(MONTHLY, ["program_name", "medical_benefit_plan", "month", "recipients"]), monthly),
        **{ds.id: generic(ds) for ds in load_registry().datasets() if ds.id not in (ANNUAL, TOWN, MONTHLY)},
    }


# A value of each role for row n of a dataset nobody wrote rows for by hand.
ROLE_VALUES = {
    "town": lambda n: ("Andover", "Hartford", "Unknown")[n % 3],
    "month": month_text,
    "year": lambda n: str(2015 + n),
    "count": lambda n: str(10 * n),
}


def generic(ds: Dataset, rows: int = 6) -> tuple[dict, list[dict]]:
    """Metadata and a few rows for any registered dataset, from its entry's fields: every registered dataset is
    in the snapshots and on the emulator, so a load lands them all."""
    def value(role: str, n: int) -> str:
        return ROLE_VALUES[role](n) if role in ROLE_VALUES else f"{role} {n % 2}"

    served = [
        {":id": f"row-{ds.id[:4]}{n:04d}", **{field: value(role, n) for role, field in ds.fields.items()}}
        for n in range(rows)
    ]
    return metadata(ds.id, list(ds.fields.values())), served


def write(root: Path, data: dict[str, tuple[dict, list[dict]]], rows_per_file: int = 25) -> Path:
    for dataset_id, (meta, rows) in data.items():
        write_snapshot(root, dataset_id, meta, rows, synthetic=True, rows_per_file=rows_per_file)
    return root


def clone(data: dict[str, tuple[dict, list[dict]]]) -> dict[str, tuple[dict, list[dict]]]:
    return copy.deepcopy(data)


def raw_tables(db: Path, exclude: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every raw kind table, without the per-run columns (and `exclude`), sorted: comparable across loads."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for kind in load_registry().kinds:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ? "
                    "order by column_index",
                    [kind.name],
                ).fetchall()
                if r[0] not in ("_load_id", "_loaded_at", *exclude)
            ]
            select = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
            out[kind.name] = [tuple(cols)] + con.execute(
                f'select {select} from raw."{kind.name}" order by _source_dataset_id, _source_row_id'
            ).fetchall()
        return out
    finally:
        con.close()


def audit(db: Path) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("select * from raw._load_audit order by finished_at, dataset_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def file_bytes_contain(path: Path, needle: str) -> bool:
    return needle.encode() in path.read_bytes()


def newer_publication(emu, dataset_id: str = MONTHLY) -> None:
    """Make the emulator serve a later rowsUpdatedAt, so the next load pulls the dataset instead of skipping it."""
    meta = emu.metadata(dataset_id)
    meta["rowsUpdatedAt"] += 86_400
    emu.set_metadata(dataset_id, meta)
