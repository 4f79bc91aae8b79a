"""The site's colours and line styles, and which series wears which: one style per series name across every chart.

A series keeps its colour and dash on every page (food is the same line on the index and on every town page),
because its style is looked up by name in one `SeriesStyles` made from every series name the site draws, not
taken from its position in one chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Okabe and Ito's hues, which stay distinct under the common colour-vision deficiencies, with the faint ones
# (orange, sky blue, yellow) darkened until each stands at least 3:1 against the white page (WCAG's contrast for
# graphics). Line styles vary too, so colour is never the only cue.
PALETTE = ("#0072B2", "#C07400", "#009E73", "#C46C9E", "#3A8FC8", "#D55E00", "#000000", "#8C7A00")
DASHES = ("solid", "dash", "dot", "dashdot")
MASKED_COLOUR = "#595959"
# A purple no series wears, so a methodology break's marker is never read as a series line.
BREAK_COLOUR = "#6A3D9A"
# The town map's sequential scale, light to dark blue (ColorBrewer's Blues, 5 classes), and the fill of a town
# with no row: a neutral grey, since white would pass for the palest blue. Masked towns are hatched (macros.html).
MAP_SCALE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MAP_NO_DATA = "#d9d9d9"


@dataclass(frozen=True)
class Style:
    colour: str
    dash: str


class SeriesStyles:
    """The style of each series name: the n-th name gets the n-th colour, and a new dash each time the colours
    wrap, so up to len(PALETTE) * len(DASHES) names all look different."""

    def __init__(self, names: Iterable[str]) -> None:
        self._styles: dict[str, Style] = {}
        for name in names:
            if name not in self._styles:
                n = len(self._styles)
                self._styles[name] = Style(PALETTE[n % len(PALETTE)], DASHES[(n // len(PALETTE)) % len(DASHES)])

    def __getitem__(self, name: str) -> Style:
        return self._styles[name]

    def __len__(self) -> int:
        return len(self._styles)

