"""Where the package data lives, and a clear error when it cannot be found.

kg reads data files that ship inside the package: the lexicon (``kg/lexicon/``), the
vocabulary and shapes (``kg/ontology.ttl``, ``kg/shapes.ttl``), the named queries
(``kg/queries/``), the page templates and the sample corpus.  Two things can hide them:

* ``import kg`` picking up some other folder named ``kg`` (a clone in the current
  directory, without ``__init__.py`` at its top, imports as a *namespace package* before
  an editable install), so ``importlib.resources.files("kg")`` points at the wrong folder
  and the lexicon silently loads no entries;
* an installation without the data files (a wheel built without ``package-data``).

:func:`check_package_data` finds both and raises :class:`PackageDataError` (an
``ImportError``) saying which; it runs once when ``kg.model`` is imported, so every entry
point (the CLI, ``Extractor()``, ``kg.build``) fails at once instead of quietly
producing an empty graph.  Files are looked up next to this module (:func:`package_file`),
never through the module named ``kg``.
"""
from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: what must be there: (path under the package, what it is)
REQUIRED = (
    (("lexicon", "core.jsonl"), "the lexicon"),
    (("lexicon", "generic.txt"), "the generic-phrase list of the lexicon"),
    (("ontology.ttl",), "the RDF vocabulary"),
    (("shapes.ttl",), "the SHACL shapes"),
    (("queries",), "the named SPARQL queries"),
    (("templates", "page.html"), "the page template"),
)


class PackageDataError(ImportError):
    """kg's data files (lexicon, vocabulary, queries) cannot be found where kg looks."""


def package_file(*parts: str) -> Path:
    """A data file of the package, found next to the code (not through ``import kg``)."""
    return PACKAGE_DIR.joinpath(*parts)


_checked = False


def check_package_data() -> None:
    """Raise :class:`PackageDataError` if the data files are missing or shadowed."""
    global _checked
    if _checked:
        return
    mod = sys.modules.get("kg")
    paths = [Path(p) for p in getattr(mod, "__path__", ())] if mod is not None else []
    if mod is not None and getattr(mod, "__file__", None) is None and paths:
        try:
            ok = any(p.resolve() == PACKAGE_DIR for p in paths)
        except OSError:
            ok = False
        if not ok:
            raise PackageDataError(
                f"kg: `import kg` found the folder {paths[0]} (a namespace package: a folder named "
                f"'kg' without __init__.py, e.g. a clone in the current directory) instead of the "
                f"installed package at {PACKAGE_DIR}; its lexicon, vocabulary and queries would not "
                f"be found. Run from another directory, or rename that folder.")
    missing = [f"{what} ({'/'.join(parts)})" for parts, what in REQUIRED
               if not PACKAGE_DIR.joinpath(*parts).exists()]
    if not missing and not any(PACKAGE_DIR.joinpath("queries").glob("*.rq")):
        missing.append("the named SPARQL queries (queries/*.rq)")
    if missing:
        raise PackageDataError(
            f"kg: package data not found in {PACKAGE_DIR}: {', '.join(missing)}. The installation "
            f"is incomplete; reinstall it (pip install -e . from the clone, or reinstall the wheel; "
            f"a wheel built by hand needs the package-data of pyproject.toml).")
    _checked = True
