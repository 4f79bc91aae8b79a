"""The landings the benchmark compares, each in a process of its own, on the same files or the same emulator.

- the project's loader from a snapshot (bench/land.py), and DuckDB's own `read_json` of the same page files
  (bench/read_json.py): the loader's overhead over DuckDB;
- through the local Socrata emulator serving that snapshot: the project's loader (its live path), dlt's
  `rest_api` source (bench/dlt_land.py) and the naive baseline (bench/baseline.py), with whether every row
  arrived exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from measure import emulator, median_of, worker
from scale import DATASET_ID


def _rate(rows: int, seconds: float) -> int:
    return round(rows / seconds) if seconds > 0 else 0


@dataclass
class Landings:
    lands: Path
    logs: Path
    registry: Path
    repeat: int

    def _db(self, name: str) -> Path:
        db = self.lands / f"{name}.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", ".wal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return db

    def _ours(self, name: str, source: list[str]) -> dict:
        db = self._db(name)
        result, info = worker("land.py", ["--registry", str(self.registry), "--db", str(db), *source,
                                          "--dataset", DATASET_ID], self.logs / f"{name}.log", "Landing")
        db.unlink(missing_ok=True)
        rows = int(info["rows"])
        return {"rows": rows, "seconds": round(info["seconds"], 3), "rows_per_second": _rate(rows, info["seconds"]),
                "process_seconds": round(result["wall_seconds"], 3), "peak_rss_mb": result["peak_rss_mb"],
                "exactly_once": True}  # the loader refuses a pull with a repeated or missing `:id`

    def snapshot(self, snap: Path, k: int) -> dict:
        return median_of(self.repeat, lambda: self._ours(f"snapshot-{k}x", ["--snapshot", str(snap)]))

    def read_json(self, snap: Path, k: int) -> dict:
        def once() -> dict:
            db = self._db(f"read-json-{k}x")
            result, info = worker("read_json.py", ["--dataset-dir", str(snap / DATASET_ID), "--db", str(db)],
                                  self.logs / f"read-json-{k}x.log", "DuckDB's read_json")
            db.unlink(missing_ok=True)
            return {"rows": info["rows"], "seconds": round(info["seconds"], 3),
                    "rows_per_second": _rate(info["rows"], info["seconds"]), "peak_rss_mb": result["peak_rss_mb"],
                    "field_pass_seconds": round(info["field_pass_seconds"], 3)}

        return median_of(self.repeat, once)

    def through_emulator(self, snap: Path, k: int, *, ours: bool, tools: dict[str, Path], expected: int) -> dict:
        out: dict = {}
        with emulator(snap, self.logs / f"emulator-{k}x.log") as emu:
            if ours:
                print(f"bench: {k}x: the loader through the emulator", flush=True)
                out["landing_emulator"] = median_of(self.repeat, lambda: emu.serving(
                    lambda: self._ours(f"emulator-{k}x", ["--portal", emu.url])))
            if "dlt" in tools:
                print(f"bench: {k}x: dlt's rest_api source into DuckDB", flush=True)
                out["dlt"] = emu.serving(lambda: self._dlt(tools["dlt"], emu.url, k, expected))
            if "baseline" in tools:
                print(f"bench: {k}x: the naive baseline (get_all, pandas, executemany)", flush=True)
                out["baseline"] = emu.serving(lambda: self._baseline(tools["baseline"], emu.url, k, expected))
        return out

    def _dlt(self, python: Path, portal: str, k: int, expected: int) -> dict:
        db, pipelines = self._db(f"dlt-{k}x"), self.lands / f"dlt-{k}x-pipelines"
        result, info = worker("dlt_land.py", ["--portal", portal, "--dataset", DATASET_ID, "--db", str(db),
                                              "--work", str(pipelines)], self.logs / f"dlt-{k}x.log", "dlt",
                              python=python)
        db.unlink(missing_ok=True)
        return {"rows": info["rows"], "distinct_ids": info["distinct_ids"], "seconds": round(info["seconds"], 3),
                "rows_per_second": _rate(info["rows"], info["seconds"]), "peak_rss_mb": result["peak_rss_mb"],
                "exactly_once": info["rows"] == info["distinct_ids"] == expected, "version": info.get("dlt")}

    def _baseline(self, python: Path, portal: str, k: int, expected: int) -> dict:
        db = self._db(f"baseline-{k}x")
        result, info = worker("baseline.py", ["--portal", portal, "--dataset", DATASET_ID, "--db", str(db)],
                              self.logs / f"baseline-{k}x.log", "The naive baseline", python=python)
        db.unlink(missing_ok=True)
        return {
            "rows": info["rows"], "seconds": round(info["seconds"], 3),
            "rows_per_second": _rate(info["rows"], info["seconds"]), "peak_rss_mb": result["peak_rss_mb"],
            "get_all_seconds": round(info["get_all_seconds"], 3),
            "dataframe_seconds": round(info["dataframe_seconds"], 3),
            "insert_seconds": round(info["insert_seconds"], 3), "pages": info["pages"],
            # sodapy's get_all pages without $order and without :id: only the count can be checked.
            "exactly_once": None if info["rows"] == expected else False,
        }
