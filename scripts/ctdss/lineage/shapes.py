"""How one reference to a column inside a projection changes its value: the labels of one step.

The rules, applied to the SQL dbt compiled (after sqlglot has qualified it):

- `masked`: a `case when not F then X end` (what `mask_if_suppressed` renders) where the flag F is, through
  plain column references, the `is_suppressed` column of a model's `suppression_result` step (the cells of
  one rpt_ model with the decisions of `suppress_linked`, made in models/intermediate/disclosure). A
  hand-written null-out, or one keyed on another flag, is not a mask.
- `bounded`: a `case when C = 0 then <number> else C end` on one column C (a published 0 replaced by the top of
  the range it stands for).
- `normalised`: see `resolve.py`; it needs the join, not only the projection.
- `cast`: `cast`/`try_cast`; `aggregated`: an aggregate (sum, min, bool_or, listagg ...), also over a window;
  `tested`: the column only sits in a condition (case when, a comparison, a boolean operator, count(x), a
  window's partition or order), so the output depends on it without carrying its value.
- anything else (arithmetic, coalesce, string functions, lag) is `computed`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ctdss.lineage.model import How

MACRO_RESULT_STEP = "suppression_result"
MACRO_FLAG = "is_suppressed"
SHIFTS = (exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue)
GENERATED = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile, exp.CumeDist, exp.PercentRank)
CONDITIONS = (exp.Predicate, exp.Connector, exp.Not, exp.Exists)

# Whether a column (name, in the scope of a select) is the suppression macro's flag; given by the resolver.
FlagTest = Callable[[exp.Column], bool]


def step_labels(column: exp.Expr, root: exp.Expr, is_flag: FlagTest) -> list[How]:
    """The labels met walking from one column reference (or literal) up to the projection `root`, innermost first."""
    labels: list[How] = []
    child, node = column, column.parent
    while child is not root and node is not None and not isinstance(node, exp.Alias):
        labels.extend(_labels(node, child, is_flag))
        child, node = node, node.parent
    return labels


def _labels(node: exp.Expr, child: exp.Expr, is_flag: FlagTest) -> list[How]:
    if isinstance(node, (exp.Paren, exp.Distinct)):
        return []
    if isinstance(node, exp.If):  # a case's `when ... then`, or the if(c, a, b) function
        if child is node.this:
            return [How.TESTED]
        return [] if isinstance(node.parent, exp.Case) else [How.COMPUTED]
    if isinstance(node, exp.Filter):  # sum(x) filter (where c)
        return [] if child is node.this else [How.TESTED]
    if isinstance(node, exp.Where):
        return [How.TESTED]
    if isinstance(node, exp.Cast):
        return [How.CAST]
    if isinstance(node, exp.Case):
        return _case_labels(node, child, is_flag)
    if isinstance(node, exp.Window):
        return [] if child is node.this else [How.TESTED]
    if isinstance(node, exp.Order):  # an aggregate's order by (listagg): its `this` is the aggregated value
        return [] if child is node.this else [How.TESTED]
    if isinstance(node, exp.Ordered):
        return [How.TESTED]
    if isinstance(node, exp.Count):
        return [How.TESTED, How.AGGREGATED]
    if isinstance(node, SHIFTS):
        return [How.COMPUTED]
    if isinstance(node, exp.AggFunc):
        return [How.AGGREGATED]
    if isinstance(node, CONDITIONS):
        return [How.TESTED]
    return [How.COMPUTED]


def _case_labels(case: exp.Case, child: exp.Expr, is_flag: FlagTest) -> list[How]:
    if child is case.args.get("this"):  # case X when ...: X is only compared
        return [How.TESTED]
    if is_mask(case, is_flag):
        return [How.MASKED]
    if child is case.args.get("default") and is_bound(case):
        return [How.BOUNDED]
    return [How.COMPUTED]


def _unparen(node: exp.Expr | None) -> exp.Expr | None:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def is_mask(case: exp.Case, is_flag: FlagTest) -> bool:
    ifs = case.args.get("ifs") or []
    if len(ifs) != 1 or case.args.get("default") is not None:
        return False
    condition = _unparen(ifs[0].this)
    if not isinstance(condition, exp.Not):
        return False
    flag = _unparen(condition.this)
    return isinstance(flag, exp.Column) and is_flag(flag)


def is_bound(case: exp.Case) -> bool:
    ifs = case.args.get("ifs") or []
    default = _unparen(case.args.get("default"))
    if len(ifs) != 1 or not isinstance(default, exp.Column):
        return False
    condition, value = _unparen(ifs[0].this), _unparen(ifs[0].args.get("true"))
    if not isinstance(condition, exp.EQ) or not (isinstance(value, exp.Literal) and value.is_number):
        return False
    sides = [_unparen(condition.this), _unparen(condition.expression)]
    zero = [s for s in sides if isinstance(s, exp.Literal) and s.is_number and float(s.this) == 0]
    tested = [s for s in sides if isinstance(s, exp.Column)]
    return bool(zero) and len(tested) == 1 and _same_column(tested[0], default) and float(value.this) > 0


def _same_column(a: exp.Column, b: exp.Column) -> bool:
    return a.name == b.name and a.table == b.table


def generated_value(projection: exp.Expr) -> exp.Expr | None:
    """A value the SQL makes itself (count(*), row_number()), if the projection has one."""
    for node in projection.find_all(exp.Count, *GENERATED):
        if not isinstance(node, exp.Count) or isinstance(node.this, exp.Star) or node.this is None:
            return node
    return None


def branch_literals(projection: exp.Expr) -> list[exp.Expr]:
    """Literals a case returns (`case month when 1 then 'January' ...`): constants the column can take.

    The number a bound puts in place of a published 0 is part of the `bounded` step, not a separate constant.
    """
    found = []
    for literal in projection.find_all(exp.Literal, exp.Boolean):
        parent = literal.parent
        if isinstance(parent, exp.If) and literal is parent.args.get("true"):
            case = parent.parent
            if not (isinstance(case, exp.Case) and is_bound(case)):
                found.append(literal)
        elif isinstance(parent, exp.Case) and literal is parent.args.get("default"):
            found.append(literal)
    return found


def is_case_folded(expression: exp.Expr) -> bool:
    """Whether a key is a case-folded name: what normalize_name renders on every adapter (lower(...))."""
    return expression.find(exp.Lower, exp.Upper) is not None
