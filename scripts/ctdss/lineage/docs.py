"""The docs site: each published column's description ends with its generated path back to the portal.

`dbt docs generate --static` inlines manifest.json into static_index.html. This rewrites the manifest's column
descriptions of every published model and puts the rewritten manifest in place of the inlined one (and in
manifest.json, which index.html loads), so both pages show the path. Running it again replaces the block.
"""

from __future__ import annotations

import json
from pathlib import Path

from ctdss.lineage.graph import Lineage
from ctdss.lineage.model import LineageError
from ctdss.lineage.render import DOCS_HEADING, docs_markdown


def annotate_docs(lineage: Lineage, target: Path) -> int:
    """Append the lineage block to every published column's description; returns the number of columns."""
    manifest_path, static_path = target / "manifest.json", target / "static_index.html"
    original = manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(original)
    published = set(lineage.published_relations())
    annotated = 0
    for uid, node in manifest["nodes"].items():
        relation = lineage.project.relations.get(uid)
        if relation is None or relation.label not in published:
            continue
        for name, column in node.get("columns", {}).items():
            text = column.get("description") or ""
            text = text.split(DOCS_HEADING, 1)[0].rstrip()
            column["description"] = f"{text}\n\n{docs_markdown(lineage, (relation.label, name.lower()))}"
            annotated += 1
    rewritten = json.dumps(manifest)
    if static_path.exists():
        page = static_path.read_text(encoding="utf-8")
        if original not in page:
            raise LineageError(
                f"{static_path} does not inline {manifest_path} as dbt writes it, so the lineage cannot be added "
                f"to the docs site. Run `make docs-generate` again (it regenerates both, then adds the lineage)."
            )
        static_path.write_text(page.replace(original, rewritten), encoding="utf-8")
    manifest_path.write_text(rewritten, encoding="utf-8")
    return annotated
