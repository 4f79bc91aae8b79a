"""The places of the synthetic sample: the 169 towns with their weights, and the special places DSS uses."""

from __future__ import annotations

import math
import random

# Approximate 2020 census population of each town: the weights of the town distribution.
TOWN_POPULATION = {
    "Andover": 3151, "Ansonia": 18918, "Ashford": 4191, "Avon": 18932, "Barkhamsted": 3647,
    "Beacon Falls": 6000, "Berlin": 20175, "Bethany": 5297, "Bethel": 20358, "Bethlehem": 3385,
    "Bloomfield": 21535, "Bolton": 4858, "Bozrah": 2429, "Branford": 28273, "Bridgeport": 148654,
    "Bridgewater": 1662, "Bristol": 60833, "Brookfield": 17528, "Brooklyn": 8450, "Burlington": 9498,
    "Canaan": 1081, "Canterbury": 5045, "Canton": 10124, "Chaplin": 2151, "Cheshire": 28733,
    "Chester": 3749, "Clinton": 13185, "Colchester": 15555, "Colebrook": 1384, "Columbia": 5272,
    "Cornwall": 1567, "Coventry": 12235, "Cromwell": 14225, "Danbury": 86518, "Darien": 21499,
    "Deep River": 4415, "Derby": 12325, "Durham": 7152, "East Granby": 5214, "East Haddam": 8875,
    "East Hampton": 12717, "East Hartford": 51045, "East Haven": 27923, "East Lyme": 18693,
    "East Windsor": 11190, "Eastford": 1649, "Easton": 7605, "Ellington": 16426, "Enfield": 42141,
    "Essex": 6733, "Fairfield": 61512, "Farmington": 26712, "Franklin": 1863, "Glastonbury": 35159,
    "Goshen": 3150, "Granby": 10903, "Greenwich": 63518, "Griswold": 11402, "Groton": 38411,
    "Guilford": 22073, "Haddam": 8452, "Hamden": 61169, "Hampton": 1728, "Hartford": 121054,
    "Hartland": 1901, "Harwinton": 5484, "Hebron": 9098, "Kent": 3019, "Killingly": 17752,
    "Killingworth": 6174, "Lebanon": 7142, "Ledyard": 15413, "Lisbon": 4195, "Litchfield": 8192,
    "Lyme": 2352, "Madison": 17691, "Manchester": 59713, "Mansfield": 25892, "Marlborough": 6133,
    "Meriden": 60850, "Middlebury": 7574, "Middlefield": 4217, "Middletown": 47717, "Milford": 52044,
    "Monroe": 18825, "Montville": 18387, "Morris": 2256, "Naugatuck": 31519, "New Britain": 74135,
    "New Canaan": 20622, "New Fairfield": 13579, "New Hartford": 6658, "New Haven": 134023,
    "New London": 27367, "New Milford": 28115, "Newington": 30536, "Newtown": 27173, "Norfolk": 1588,
    "North Branford": 13544, "North Canaan": 3211, "North Haven": 24253, "North Stonington": 5149,
    "Norwalk": 91184, "Norwich": 40125, "Old Lyme": 7628, "Old Saybrook": 10481, "Orange": 14280,
    "Oxford": 12706, "Plainfield": 14973, "Plainville": 17525, "Plymouth": 11671, "Pomfret": 4266,
    "Portland": 9384, "Preston": 4788, "Prospect": 9401, "Putnam": 9224, "Redding": 8765,
    "Ridgefield": 25033, "Rocky Hill": 20845, "Roxbury": 2260, "Salem": 4213, "Salisbury": 4194,
    "Scotland": 1576, "Seymour": 16748, "Sharon": 2680, "Shelton": 40869, "Sherman": 3527,
    "Simsbury": 24517, "Somers": 10255, "South Windsor": 26918, "Southbury": 19879, "Southington": 43501,
    "Sprague": 2967, "Stafford": 11472, "Stamford": 135470, "Sterling": 3835, "Stonington": 18335,
    "Stratford": 52355, "Suffield": 15752, "Thomaston": 7442, "Thompson": 9189, "Tolland": 14563,
    "Torrington": 35515, "Trumbull": 36827, "Union": 785, "Vernon": 30215, "Voluntown": 2603,
    "Wallingford": 44396, "Warren": 1351, "Washington": 3646, "Waterbury": 114403, "Waterford": 19571,
    "Watertown": 22105, "West Hartford": 64083, "West Haven": 55584, "Westbrook": 6769, "Weston": 10354,
    "Westport": 27141, "Wethersfield": 27298, "Willington": 5566, "Wilton": 18503, "Winchester": 10224,
    "Windham": 24425, "Windsor": 29492, "Windsor Locks": 12613, "Wolcott": 16142, "Woodbridge": 9087,
    "Woodbury": 9723, "Woodstock": 8221,
}

# Relative need (share of residents in programs, against the state's average); towns not listed are 1.0.
TOWN_NEED = {
    "Hartford": 4.2, "Waterbury": 3.2, "New Haven": 3.0, "Bridgeport": 3.0, "New Britain": 2.8,
    "Windham": 2.8, "New London": 2.6, "Meriden": 2.3, "Norwich": 2.3, "East Hartford": 2.1,
    "West Haven": 1.9, "Ansonia": 1.8, "Killingly": 1.8, "Derby": 1.7, "Putnam": 1.7, "Plainfield": 1.7,
    "Bristol": 1.6, "Torrington": 1.6, "Naugatuck": 1.6, "Sprague": 1.5, "Manchester": 1.5,
    "Winchester": 1.5, "Griswold": 1.5, "Middletown": 1.4, "Vernon": 1.4, "Danbury": 1.3, "Enfield": 1.3,
    "Groton": 1.3, "Bloomfield": 1.3, "Hamden": 1.3, "East Haven": 1.3, "Thompson": 1.3, "Sterling": 1.3,
    "Norwalk": 1.2, "Stratford": 1.2, "Windsor Locks": 1.2, "Plymouth": 1.2, "Stafford": 1.2,
    "Montville": 1.2, "Stamford": 1.1, "Windsor": 1.1, "Seymour": 1.1,
    "Darien": 0.25, "New Canaan": 0.25, "Weston": 0.25, "Westport": 0.3, "Wilton": 0.3, "Easton": 0.3,
    "Ridgefield": 0.35, "Redding": 0.35, "Avon": 0.4, "Woodbridge": 0.4, "Lyme": 0.4, "Roxbury": 0.4,
    "Bridgewater": 0.4, "Simsbury": 0.45, "Madison": 0.45, "Bethany": 0.45, "Sherman": 0.45,
    "Washington": 0.45, "Durham": 0.45, "Killingworth": 0.45, "Greenwich": 0.5, "Glastonbury": 0.5,
    "Guilford": 0.5, "Orange": 0.5, "Cheshire": 0.5, "Newtown": 0.5, "Monroe": 0.5, "Granby": 0.5,
    "Essex": 0.5, "Old Lyme": 0.5, "Tolland": 0.5, "Hebron": 0.5, "Marlborough": 0.5, "Burlington": 0.5,
    "Middlebury": 0.5, "Haddam": 0.55, "Canton": 0.55, "Farmington": 0.6, "Fairfield": 0.6,
    "Trumbull": 0.6, "Brookfield": 0.6, "Bolton": 0.6, "South Windsor": 0.6, "Suffield": 0.6,
    "East Granby": 0.6, "Southbury": 0.6, "Woodbury": 0.6, "Berlin": 0.6, "Ellington": 0.7,
    "North Haven": 0.7, "Shelton": 0.7, "Southington": 0.7, "Rocky Hill": 0.8, "West Hartford": 0.8,
    "Wethersfield": 0.8, "Branford": 0.8, "Milford": 0.8, "Cromwell": 0.8, "Newington": 0.9,
    "Wallingford": 0.9,
}

# Town names as the township dataset serves them where they drift from the canonical name.
TOWN_SPELLING = {"North Stonington": "North  Stonington", "Windsor Locks": "Windsor Locks "}
UNKNOWN_TOWN, OUT_OF_STATE = "Unknown", "Out of State"
UNKNOWN_SHARE, OUT_OF_STATE_SHARE = 0.0015, 0.005
# Recipients who moved are counted in every town they lived in: the towns add up to this much more.
MULTI_TOWN_INFLATION = 1.03

def poisson(rng: random.Random, lam: float) -> int:
    if lam >= 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def town_expectations(statewide: float, concentration: float, inflation: float) -> dict[str, float]:
    """The expected count of each town, Unknown and Out of State for a statewide count: towns by population
    weighted by need (raised to the program's concentration), times `inflation` for recipients counted in
    every town they lived in (annual counts; a month has one address)."""
    in_towns = statewide * inflation * (1 - UNKNOWN_SHARE - OUT_OF_STATE_SHARE)
    weights = {town: pop * TOWN_NEED.get(town, 1.0) ** concentration for town, pop in TOWN_POPULATION.items()}
    total = sum(weights.values())
    expected = {town: in_towns * w / total for town, w in weights.items()}
    expected[UNKNOWN_TOWN] = statewide * UNKNOWN_SHARE
    expected[OUT_OF_STATE] = statewide * OUT_OF_STATE_SHARE
    return expected


def town_draws(
    rng: random.Random, statewide: float, concentration: float, inflation: float = MULTI_TOWN_INFLATION
) -> dict[str, int]:
    """One true count per town (and special place), with town-level noise around the expectation."""
    return {
        town: poisson(rng, lam * max(0.5, rng.gauss(1.0, 0.06)))
        for town, lam in town_expectations(statewide, concentration, inflation).items()
    }


def town_spelling(town: str, drifted: bool) -> str:
    """The town as served: some datasets and years spell a few towns with stray spaces."""
    return TOWN_SPELLING.get(town, town) if drifted else town
