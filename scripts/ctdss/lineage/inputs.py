"""What a traced lineage follows from, as one digest: the project as dbt parsed it, the registry, the tracer.

The lineage of a column follows from the code, never from the data, so a refresh that landed new rows and ran
no changed code would trace the same lineage again. `ctdss lineage` keeps the digest of these inputs beside the
table it writes, and keeps the table when they are unchanged. The project's part is code_digest's, which leaves
out the compiled SQL: an incremental model compiles to other SQL when it runs incrementally, and traces to the
same lineage either way (a refresh test compares the lineage of a refresh with a rebuild's).
"""

from __future__ import annotations

from pathlib import Path

import ctdss.load.contract
import ctdss.registry
from ctdss.build.code_digest import project_digest
from ctdss.registry import Registry


def traced_inputs(manifest: dict, registry: Registry) -> str:
    tracer = sorted(Path(__file__).parent.glob("*.py")) + [Path(ctdss.registry.__file__),
                                                          Path(ctdss.load.contract.__file__)]
    extra = (registry.path.read_bytes(), *(path.read_bytes() for path in tracer))
    return project_digest(manifest, extra)
