"""Trace each output column of one compiled model to the columns of the relations it reads, one level up.

sqlglot parses the compiled SQL (DuckDB dialect), qualifies every column and expands every `*` against the
columns already traced for the upstream relations, and builds its scopes (CTEs, subqueries, unions). Each output
column is then followed through the model's CTEs down to the tables it reads, collecting on the way the labels
of each step (see `shapes`). A column sqlglot cannot place fails the step with the model and the column named.

`normalised` needs the join: a value read from a seed (or from a CTE that reads only seeds) that is joined on
an equality whose other side is a case-folded key (normalize_name renders lower(...)) is normalised from the
columns that key is computed from, and those columns become upstream columns too.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from ctdss.lineage import shapes
from ctdss.lineage.model import How, LineageError, NodeType
from ctdss.lineage.project import Relation

DIALECT = "duckdb"
Schema = dict[str, dict[str, dict[str, dict[str, str]]]]


Condition = tuple[tuple[str, str], ...]  # (column, SQL literal) pairs that hold for the rows an edge feeds


@dataclass(frozen=True)
class Hit:
    """One way an output column is computed: from `relation.column` (or a constant), through `how`.

    `filters` are the `where column = literal` conditions met on the way, on columns of `relation`; `branch`
    holds the literal columns of the union branch the hit comes through, by the union's column names.
    """

    relation: Relation | None
    column: str | None
    how: tuple[How, ...]
    constant: str | None = None
    filters: Condition = ()
    branch: Condition = ()

    def under(self, how: tuple[How, ...], filters: Condition = (), branch: Condition = ()) -> Hit:
        return Hit(self.relation, self.column, how, self.constant,
                   tuple(dict.fromkeys((*self.filters, *filters))), self.branch or branch)


class ModelTracer:
    """Traces the output columns of one model or snapshot; `tables` maps a relation key to the relation."""

    def __init__(self, relation: Relation, schema: Schema, tables: dict[tuple[str, str, str], Relation]):
        self.relation = relation
        self.tables = tables
        self._cache: dict[tuple[int, str], tuple[Hit, ...]] = {}
        self._column = "?"
        try:
            parsed = sqlglot.parse_one(relation.sql or "", dialect=DIALECT)
            self.root = build_scope(qualify(parsed, dialect=DIALECT, schema=schema, identify=False,
                                            validate_qualify_columns=True))
        except SqlglotError as exc:
            raise LineageError(
                f"Cannot trace the columns of {relation.label} ({relation.unique_id}): sqlglot could not resolve "
                f"its compiled SQL ({str(exc).splitlines()[0]}). Every column must come from a ref(), a source() "
                f"or a CTE; fix the model or extend ctdss.lineage for the construct."
            ) from None
        if self.root is None:
            raise LineageError(f"{relation.label} ({relation.unique_id}) does not compile to a select statement.")

    def columns(self) -> list[str]:
        return list(_selects(self.root.expression).named_selects)

    def trace(self, column: str) -> tuple[Hit, ...]:
        self._column = column
        return self._trace(self.root, column)

    # -- following a column through scopes ---------------------------------------------------------------------

    def _trace(self, scope: Scope, name: str) -> tuple[Hit, ...]:
        key = (id(scope), name)
        if key not in self._cache:
            self._cache[key] = tuple(dict.fromkeys(self._trace_uncached(scope, name)))
        return self._cache[key]

    def _trace_uncached(self, scope: Scope, name: str) -> list[Hit]:
        expression = scope.expression
        if isinstance(expression, exp.Subquery):
            return [h for inner in scope.subquery_scopes for h in self._trace(inner, name)]
        if isinstance(expression, exp.SetOperation):
            return self._trace_set_operation(scope, name)
        projection = _projection(expression, name)
        if projection is None:
            self._fail(f"no column `{name}` in the step {_step_name(scope)}")
        return self._trace_projection(scope, projection)

    def _trace_set_operation(self, scope: Scope, name: str) -> list[Hit]:
        names = _selects(scope.expression).named_selects
        if name not in names:
            self._fail(f"no column `{name}` in the union {_step_name(scope)}")
        by_name = bool(scope.expression.args.get("by_name"))
        hits: list[Hit] = []
        for branch in scope.set_operation_scopes:
            branch_names = _selects(branch.expression).named_selects
            branch_name = name if by_name else branch_names[names.index(name)]
            if by_name and branch_name not in branch_names:
                continue  # union by name fills a column a branch lacks with null
            nested = isinstance(branch.expression, exp.SetOperation)  # its own branches say which is which
            constants = () if nested else self._branch_constants(branch, names, by_name)
            hits += [h.under(h.how, branch=constants) for h in self._trace(branch, branch_name)]
        return hits

    def _trace_projection(self, scope: Scope, projection: exp.Expr) -> list[Hit]:
        if any(True for _ in projection.find_all(exp.Subquery, exp.Select) if _ is not projection):
            self._fail("a scalar subquery in a projection (not supported: move it into a CTE and join it)")
        hits: list[Hit] = []
        columns = list(projection.find_all(exp.Column))
        filters = self._filters(scope)
        for column in columns:
            labels = shapes.step_labels(column, projection, lambda flag: self._is_flag(scope, flag))
            for hit in self._trace_reference(scope, column):
                own = tuple((c, v) for rel, c, v in filters if rel is hit.relation)
                hits.append(hit.under(_join(hit.how, labels), own))
            hits += self._normalised_keys(scope, column)
        for literal in shapes.branch_literals(projection):
            labels = shapes.step_labels(literal, projection, lambda flag: self._is_flag(scope, flag))
            if How.TESTED not in labels:
                hits.append(Hit(None, None, (How.CONSTANT, *labels), literal.sql(dialect=DIALECT)))
        generated = shapes.generated_value(projection)
        if not columns or generated is not None:
            value = (generated or projection.unalias()).sql(dialect=DIALECT)
            hits.append(Hit(None, None, (How.CONSTANT,), value))
        return hits

    def _trace_reference(self, scope: Scope, column: exp.Column) -> list[Hit]:
        source = scope.sources.get(column.table)
        if isinstance(source, Scope):
            return list(self._trace(source, column.name))
        if isinstance(source, exp.Table) and not isinstance(source.this, exp.Identifier):
            # a table function (generate_series): the values are generated by the SQL itself
            return [Hit(None, None, (How.CONSTANT,), source.this.sql(dialect=DIALECT))]
        if isinstance(source, exp.Table):
            relation = self._table(source)
            if relation is self.relation:
                self._fail(f"it reads its own earlier rows ({column.sql()}), which has no upstream column")
            if column.name not in relation.columns:
                self._fail(f"`{column.name}` is not a column of {relation.label}")
            return [Hit(relation, column.name, ())]
        self._fail(f"the reference {column.sql()} names no table or CTE of its step")
        return []

    def _table(self, table: exp.Table) -> Relation:
        key = (table.catalog.lower(), table.db.lower(), table.name.lower())
        relation = self.tables.get(key)
        if relation is None:
            self._fail(f"it reads {table.sql()}, which is not a model, seed, snapshot or source of the project")
        return relation

    # -- the rules that need more than the projection ----------------------------------------------------------

    def _branch_constants(self, branch: Scope, names: list[str], by_name: bool) -> Condition:
        """The columns a union branch sets to a literal (`'program_annual' as dataset_kind`), by the union's names."""
        found = []
        for position, projection in enumerate(_selects(branch.expression).selects):
            value = projection.unalias()
            if isinstance(value, exp.Column):
                value = self._defining(branch, value)
            name = projection.alias_or_name if by_name else (names[position] if position < len(names) else None)
            if name and isinstance(value, exp.Literal):
                found.append((name, value.sql(dialect=DIALECT)))
        return tuple(found)

    def _filters(self, scope: Scope) -> list[tuple[Relation, str, str]]:
        """The `column = literal` conjuncts of a select's where, on plain columns of the tables it reads."""
        where = scope.expression.args.get("where") if isinstance(scope.expression, exp.Select) else None
        found = []
        for conjunct in (where.this.flatten() if where is not None and isinstance(where.this, exp.And)
                         else [where.this] if where is not None else []):
            if not isinstance(conjunct, exp.EQ):
                continue
            column, literal = conjunct.this, conjunct.expression
            if isinstance(column, exp.Literal):
                column, literal = literal, column
            if not (isinstance(column, exp.Column) and isinstance(literal, exp.Literal)):
                continue
            plain = self._plain_origin(scope, column)
            if plain is not None:
                found.append((*plain, literal.sql(dialect=DIALECT)))
        return found

    def _plain_origin(self, scope: Scope, column: exp.Column) -> tuple[Relation, str] | None:
        """The table column a reference is, through plain references only."""
        source = scope.sources.get(column.table)
        while isinstance(source, Scope) and isinstance(source.expression, exp.Select):
            projection = _projection(source.expression, column.name)
            inner = projection.unalias() if projection is not None else None
            if not isinstance(inner, exp.Column):
                return None
            column, source = inner, source.sources.get(inner.table)
        if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
            return (self._table(source), column.name)
        return None

    def _is_flag(self, scope: Scope, column: exp.Column) -> bool:
        """Whether the column is, through plain references, the suppression macro's `is_suppressed` output."""
        name = column.name
        source = scope.sources.get(column.table)
        while isinstance(source, Scope) and isinstance(source.expression, exp.Select):
            cte = source.expression.parent
            if isinstance(cte, exp.CTE) and cte.alias == shapes.MACRO_RESULT_STEP and name == shapes.MACRO_FLAG:
                return True
            projection = _projection(source.expression, name)
            inner = projection.unalias() if projection is not None else None
            if not isinstance(inner, exp.Column):
                return False
            name, source = inner.name, source.sources.get(inner.table)
        return False

    def _normalised_keys(self, scope: Scope, column: exp.Column) -> list[Hit]:
        """For a value looked up in a seed by a case-folded key: the columns that key is computed from."""
        source = scope.sources.get(column.table)
        if source is None or not self._reads_only_seeds(source):
            return []
        hits: list[Hit] = []
        for key in _join_keys(scope.expression, column.table):
            if not any(shapes.is_case_folded(self._defining(scope, c)) for c in key.find_all(exp.Column)):
                continue
            for key_column in key.find_all(exp.Column):
                hits += [h.under((How.NORMALISED,)) for h in self._trace_reference(scope, key_column)
                         if h.relation is not None]
        return hits

    def _reads_only_seeds(self, source: Scope | exp.Table) -> bool:
        if isinstance(source, exp.Table):
            return isinstance(source.this, exp.Identifier) and self._table(source).type is NodeType.SEED
        inner = [*(s for _, s in source.selected_sources.values()), *source.set_operation_scopes]
        return bool(inner) and all(self._reads_only_seeds(s) for s in inner)

    def _defining(self, scope: Scope, column: exp.Column) -> exp.Expr:
        """The expression that computes a column, followed back through plain references."""
        source = scope.sources.get(column.table)
        while isinstance(source, Scope) and isinstance(source.expression, exp.Select):
            projection = _projection(source.expression, column.name)
            if projection is None:
                break
            inner = projection.unalias()
            if not isinstance(inner, exp.Column):
                return inner
            column, source = inner, source.sources.get(inner.table)
        return column

    def _fail(self, problem: str) -> None:
        raise LineageError(
            f"Cannot trace {self.relation.label}.{self._column} ({self.relation.unique_id}): {problem}. Lineage must "
            f"resolve every published column; fix the model, or extend ctdss.lineage for the construct."
        )


def _selects(expression: exp.Expr) -> exp.Select:
    while isinstance(expression, (exp.SetOperation, exp.Subquery)):
        expression = expression.this
    return expression


def _projection(select: exp.Expr, name: str) -> exp.Expr | None:
    return next((s for s in select.selects if s.alias_or_name == name), None)


def _step_name(scope: Scope) -> str:
    parent = scope.expression.parent
    return f"`{parent.alias}`" if isinstance(parent, exp.CTE) else "(the final select)"


def _join(upstream: tuple[How, ...], step: list[How]) -> tuple[How, ...]:
    return tuple(dict.fromkeys([*upstream, *step]))


def _join_keys(select: exp.Expr, alias: str) -> list[exp.Expr]:
    """The other sides of the equalities that join `alias` into `select`."""
    keys: list[exp.Expr] = []
    for join in select.args.get("joins") or []:
        if join.alias_or_name != alias or join.args.get("on") is None:
            continue
        for equality in join.args["on"].find_all(exp.EQ):
            sides = [equality.this, equality.expression]
            own = [s for s in sides if {c.table for c in s.find_all(exp.Column)} == {alias}]
            other = [s for s in sides if s not in own and alias not in {c.table for c in s.find_all(exp.Column)}]
            if own and other:
                keys += other
    return keys
