"""The errors of kg.query: :class:`QueryError` (a ``kind``, and the line and column of a syntax
error) for any query that cannot run, and :class:`QueryTimeout` for one stopped at its time
bound."""
from __future__ import annotations


class QueryError(Exception):
    """A query that cannot run: bad syntax (with line and column), refused, failed, timed out.

    ``kind`` is one of ``syntax``, ``param``, ``update``, ``forbidden`` (SERVICE, FROM),
    ``limit`` (nested too deep), ``evaluation``, ``load``, ``timeout``, ``memory`` (past the
    worker's memory bound, or the worker crashed), ``busy``, ``upstream`` (the SPARQL server
    of ``kg serve --upstream`` cannot be reached or failed).
    """

    def __init__(self, message: str, kind: str = "evaluation", line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message, self.kind, self.line, self.column = message, kind, line, column

    def __reduce__(self):
        return (type(self), (self.message, self.kind, self.line, self.column))

    def __str__(self) -> str:
        if self.kind == "syntax" and self.line is not None:
            return f"syntax error at line {self.line}, column {self.column}: {self.message}"
        if self.line is not None:
            return f"line {self.line}, column {self.column}: {self.message}"
        return self.message


class QueryTimeout(QueryError):
    def __init__(self, message: str, kind: str = "timeout", line=None, column=None):
        super().__init__(message, kind, line, column)
