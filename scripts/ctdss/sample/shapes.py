"""The portal's shapes for the synthetic sample: /api/views/{id}.json metadata, Socrata row ids, page files."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from ctdss.config import DEFAULT_CATALOGUE_TAG
from ctdss.registry import Dataset, Kind

ID_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"

NOTES = (
    "NOTE: On April 22, 2019 the methodology for determining HUSKY A Newborn recipients changed, which "
    "caused an increase of recipients for that benefit starting in October 2016. Also, the methodology for "
    "determining the address of the recipients changed, shuffling recipients among townships starting in "
    "October 2016 and reducing counts for most townships starting in March 2017. NOTE: On February 14 2019, "
    "the enrollment counts for 2012-2015 across all programs were updated to account for an error in the "
    "data integration process. As a result, the count of the number of people served increased by 13% for "
    "2012, 10% for 2013, 8% for 2014 and 4% for 2015. Counts for 2016, 2017 and 2018 remain unchanged."
)
TOWN_NOTE = (
    "NOTE: On 1/16/2019 these counts were revised to count a recipient in all locations that recipient "
    "resided in that year."
)
COVID_NOTE = (
    "Effective January 1, 2021, the COVID-19 Testing Coverage for the Uninsured is G06-I, a limited benefit "
    "plan that rolls up into the Medical Benefit Plan HUSKY Limited Benefit, and the emergency medical "
    "coverage is G06-II, rolling up into Other Medical; before, they were listed under State Funded Medical."
)
SMALL_CELLS = "For privacy considerations, a count of zero is used for counts less than five."

MULTIPLE = (
    "A recipient may have received benefits from multiple programs in the same period; if so that recipient "
    "will be included in multiple categories in this dataset (counted more than once.)"
)
TOA_NOTE = (
    "People served by town and type of assistance (TOA) by month. Counts of the same person under two types "
    "of assistance are both included. The latest three months are refreshed with each publication."
)
# What each kind's description says, before the notes every DSS dataset repeats.
KIND_TEXT = {
    "program_annual": "Number of active recipients who received benefits under a program in that calendar year.",
    "town_program_annual": "Number of people enrolled in DSS services in the calendar year, by township and program.",
    "program_monthly": "Number of active recipients who received benefits under a program in that month.",
    "town_assistance_monthly": TOA_NOTE,
    "town_assistance_annual": "Number of people served in the calendar year, by town and assistance type.",
    "assistance_annual": "Number of people served in the calendar year, by assistance type.",
    "town_race_annual": "Number of people served in the calendar year, by town and race of the recipient.",
}
# Vintages as last seen in the catalogue, where known (createdAt, rowsUpdatedAt; epoch seconds).
VINTAGES = {
    "chu7-5rrv": (1605192926, 1607108170),
    "gjf6-ig4b": (1649683200, 1649692800),
    "sx77-vjbh": (1575936000, 1642680000),
    "g7bd-zbqw": (1675209600, 1789135200),
    "5z8s-84ru": (1710338400, 1710338400),
    "44qf-qawh": (1710338400, 1710338400),
    "re8x-m8yr": (1710338400, 1710338400),
}
ROLE_TYPES = {"count": "number", "year": "number", "month": "calendar_date"}
ROLE_DESCRIPTIONS = {
    "town": "Town of residence of the recipient",
    "program": "Program or assistance type",
    "assistance_type": "Type of assistance",
    "medical_benefit_plan": "The medical benefit plan a medical program rolls up to; empty for non-medical programs",
    "race": "Race of the recipient, as reported",
    "ethnicity": "Ethnicity of the recipient, as reported",
    "year": "Calendar year",
    "month": "First day of the month",
    "count": "People served in the period (0 for counts from 0 to 4)",
}
EXTRA_COLUMNS = {"state_fiscal_year": ("text", "Connecticut state fiscal year (July to June)")}


def _vintage(ds: Dataset) -> tuple[int, int]:
    """Known vintages, else a stable one after the end of the dataset's coverage."""
    if ds.id in VINTAGES:
        return VINTAGES[ds.id]
    end = (ds.coverage[1] if ds.coverage else ds.constants.get("year", "2020"))[:4]
    stamp = int(datetime(int(end) + 1, 4, 11, tzinfo=UTC).timestamp())
    return stamp, stamp + 9_600


def _display(field: str) -> str:
    return " ".join(w if w in {"of", "and", "by"} else w.capitalize() for w in field.split("_"))


def _column(position: int, col_id: int, field: str, type_name: str, description: str) -> dict:
    return {
        "id": col_id,
        "name": _display(field),
        "dataTypeName": type_name,
        "description": description,
        "fieldName": field,
        "position": position,
        "renderTypeName": type_name,
        "tableColumnId": col_id - 1_000,
        "format": {},
    }


def columns(ds: Dataset, extras: list[str], base: int) -> list[dict]:
    served = [(field, ROLE_TYPES.get(role, "text"), ROLE_DESCRIPTIONS[role]) for role, field in ds.fields.items()]
    served += [(name, *EXTRA_COLUMNS[name]) for name in extras]
    return [
        _column(position, base + position, field, type_name, description)
        for position, (field, type_name, description) in enumerate(served, start=1)
    ]


def description(kind: Kind) -> str:
    notes = [KIND_TEXT.get(kind.name, kind.name), MULTIPLE, SMALL_CELLS, NOTES]
    if kind.geography == "town":
        notes.append(TOWN_NOTE)
    if kind.period == "month":
        notes.insert(3, COVID_NOTE)
    return " ".join(notes)


def metadata(kind: Kind, ds: Dataset, extras: list[str], index: int) -> dict:
    created, updated = _vintage(ds)
    return {
        "id": ds.id,
        "name": ds.title,
        "assetType": "dataset",
        "attribution": "Department of Social Services",
        "category": "Health and Human Services",
        "createdAt": created,
        "description": description(kind),
        "displayType": "table",
        "provenance": "official",
        "publicationAppendEnabled": False,
        "publicationDate": created,
        "publicationStage": "published",
        "rowsUpdatedAt": updated,
        "rowsUpdatedBy": "x7kp-3mfa",
        "tags": [DEFAULT_CATALOGUE_TAG, kind.geography.value, kind.period.value],
        "viewLastModified": updated,
        "viewType": "tabular",
        "columns": columns(ds, extras, 585_000_000 + 1_000 * index),
    }


def _row_ids(rng: random.Random, n: int) -> list[str]:
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n:
        chars = "".join(rng.choice(ID_ALPHABET) for _ in range(12))
        row_id = f"row-{chars[:4]}.{chars[4:8]}_{chars[8:]}"
        if row_id not in seen:
            seen.add(row_id)
            ids.append(row_id)
    return ids


def with_ids(seed: int, dataset_id: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Give each row a Socrata-style :id and order them as `$order=:id` serves them."""
    ids = _row_ids(random.Random(f"{seed}:{dataset_id}:ids"), len(rows))
    return sorted(({":id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)),
                  key=lambda r: r[":id"])


def dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def dump_rows(rows: list[dict[str, str]]) -> str:
    """One row per line: small, and a regenerated sample diffs row by row."""
    return "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n"
