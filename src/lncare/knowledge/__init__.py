"""The knowledge base: therapies, trials, guideline statements, definitions and their references.

Data files live in ``knowledge/data/`` and are validated by the models in
:mod:`lncare.knowledge.schema`; :func:`load` reads them once per process and checks that every cited
reference and every link resolves. The functions here answer the questions the engine, the command
line (``lncare kb``) and the service ask::

    from lncare import knowledge
    knowledge.trials(drug="belimumab", phase="3")
    knowledge.get("bliss-ln").endpoint("perr-104w").effect
    knowledge.therapy_by_name("MMF").id          # 'mycophenolate-mofetil'
    str(knowledge.content_version())             # '2026.11.0 (2026-11-27)'
"""

from __future__ import annotations

from lncare.knowledge.load import ContentVersion, KnowledgeBase, KnowledgeBaseError, load
from lncare.knowledge.query import Item, definitions, get, statements, therapies, therapy_by_name, trials


def content_version() -> ContentVersion:
    """Version and release date of the knowledge content (data/kb.yaml, data/CHANGELOG.md)."""
    return load().version


__all__ = [
    "ContentVersion",
    "Item",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "content_version",
    "definitions",
    "get",
    "load",
    "statements",
    "therapies",
    "therapy_by_name",
    "trials",
]
