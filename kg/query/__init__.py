"""SPARQL over the RDF export: a library of named queries, two engines, bounded execution.

* :func:`list_queries` / :func:`load_query`: the competency questions in ``kg/queries/*.rq``.
  Each file starts with ``# title:``, ``# description:`` and ``# param: name = default``
  comment lines; a parameter appears in the query as ``$name`` and is substituted as an
  escaped literal, never by pasting raw text (``LCASE($name)`` becomes the lower-cased
  literal: entities are matched case-insensitively through their ``kgv:nameKey``).
* :func:`run_query`: runs a query on a graph file (``.ttl``, ``.nt``, ``.jsonld``, or an export
  directory) with **pyoxigraph** (default, fast) or **rdflib** (reference), and returns a
  :class:`QueryResult` (columns and rows of :class:`Term`, a boolean, or triples).  With a
  ``timeout`` the query runs in a worker process that is killed when the time is up
  (:class:`QueryTimeout`); a malformed query raises :class:`QueryError` with the parser's
  message, line and column.
* :class:`QueryService`: a pool of such workers holding the graph loaded, for ``kg serve``;
  :class:`UpstreamService`: the same checks in front of an existing SPARQL server.
* :func:`write_store` / :func:`load_store` / :func:`find_store`: the on-disk pyoxigraph store
  of an export folder (``graph.oxigraph``), which ``run_query`` and ``QueryService`` open
  read-only for an export folder instead of parsing its graph file.
* ``to_table`` / ``to_csv`` / ``to_tsv`` / ``to_json`` / ``to_xml`` / ``to_ntriples`` /
  ``to_turtle``: SPARQL 1.1 result formats.

The modules, each importable on its own, and all their public names here:

* :mod:`kg.query.errors`: :class:`QueryError`, :class:`QueryTimeout`;
* :mod:`kg.query.library`: the named queries, their headers and parameters;
* :mod:`kg.query.check`: the safety check every query passes before it runs;
* :mod:`kg.query.results`: :class:`Term`, :class:`QueryResult` and the result formats;
* :mod:`kg.query.engines`: loading graphs and stores, running a query here (:func:`run_query`);
* :mod:`kg.query.worker`: worker processes with time and memory bounds, and their pool;
* :mod:`kg.query.upstream`: an existing SPARQL server behind the checks.
"""
from __future__ import annotations

from .check import (MAX_DEPTH, UPDATE_KEYWORDS, CheckedQuery, check_query, check_read_only,
                    decode_escapes, is_update, nesting_depth, precheck, query_form)
from .engines import (ENGINES, STAMP_NAME, STORE_NAME, compare_engines, engine_of, find_store,
                      load_graph, load_store, open_graph, resolve_graph_path, resolve_source,
                      run_query, store_problem, write_store)
from .loader import StoreLoader
from .errors import QueryError, QueryTimeout
from .library import (QUERIES_DIR, QueryInfo, get_query, list_queries, load_query, parse_header,
                      query_info, sparql_literal, substitute)
from .results import FORMATS, QueryResult, Row, Term, format_result, row_set
from .upstream import UpstreamService, check_upstream_url
from .worker import CHECK_ONLY, MAX_REPLY_BYTES, QueryService, QueryWorker

__all__ = [
    "CHECK_ONLY", "ENGINES", "FORMATS", "MAX_DEPTH", "MAX_REPLY_BYTES", "QUERIES_DIR",
    "STAMP_NAME", "STORE_NAME", "UPDATE_KEYWORDS", "CheckedQuery", "QueryError", "QueryInfo",
    "QueryResult", "QueryService", "QueryTimeout", "QueryWorker", "Row", "Term",
    "UpstreamService", "check_query", "check_read_only", "check_upstream_url",
    "compare_engines", "decode_escapes", "engine_of", "find_store", "format_result",
    "get_query", "is_update", "list_queries", "load_graph", "load_query", "load_store",
    "nesting_depth", "open_graph", "parse_header", "precheck", "query_form", "query_info",
    "resolve_graph_path", "resolve_source", "row_set", "run_query", "sparql_literal",
    "store_problem", "substitute", "write_store", "StoreLoader",
]
