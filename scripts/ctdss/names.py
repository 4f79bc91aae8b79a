"""Name folding: the Python twin of the `tidy_name` and `normalize_name` macros (macros/cross_db/normalize_name.sql),
so that the alias rows `ctdss inspect` proposes are keyed exactly as the staging models look them up.

The macros run `lower(trim(regexp_replace(x, '\\s+', ' ', 'g')))` on DuckDB. DuckDB's regular expressions are RE2,
whose `\\s` is the ASCII set [\\t\\n\\f\\r ] (not \\v, not a no-break space); its `trim` strips the Unicode space
separators (category Zs: the space, the no-break space, U+2000-U+200A, ...) from both ends, and its `lower` maps
one code point at a time. tests/python/build/test_property_based.py checks these functions against the
compiled macro.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"[\t\n\f\r ]+")
SPACE_SEPARATORS = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


def tidy_name(text: str) -> str:
    """Runs of whitespace collapsed to one space, then trimmed; case kept."""
    return _WHITESPACE.sub(" ", text).strip(SPACE_SEPARATORS)


def normalize_name(text: str) -> str:
    """The key the alias seeds use: the tidied name in lower case."""
    # Per code point, and the first code point of each mapping: DuckDB lower-cases `İ` to `i` and a final `Σ` to
    # `σ`, where Python's str.lower() gives `i̇` and `ς`.
    return "".join(ch.lower()[0] for ch in tidy_name(text))
