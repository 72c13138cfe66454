"""``lncare kb ...``: query the knowledge base, export trial results as FHIR, write the review pages.

Lists print a rich table, or JSON with ``--json``; ``show`` prints one item's review page (or its full
JSON). An unknown filter value or id is one line naming the option with close matches, exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from lncare import knowledge
from lncare.errors import InputError
from lncare.knowledge import docs, fhir_export
from lncare.knowledge.schema.therapy import Therapy
from lncare.knowledge.schema.trial import Trial

app = typer.Typer(help="Knowledge base: therapies, trials, guideline statements.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def _options() -> Iterator[None]:
    """Re-word an InputError of the Python API so it names the command-line option ('class' -> --class)."""
    try:
        yield
    except InputError as err:
        if isinstance(err, knowledge.KnowledgeBaseError):
            raise
        name = "ID" if err.field == "id" else f"--{err.field}"
        raise InputError(name, err.value, err.reason) from None


@app.command("therapies")
def therapies_command(
    target: Annotated[str | None, typer.Option("--target", help="Molecular target, e.g. CD20.")] = None,
    drug_class: Annotated[str | None, typer.Option("--class", help="Drug class.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="approved (for LN), marketed or investigational.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List therapies."""
    with _options():
        found = knowledge.therapies(target=target, drug_class=drug_class, status=status)
    rows = [_therapy_row(t) for t in found]
    columns = ("id", "name", "drug_class", "target", "availability", "approved_for_ln")
    _emit(rows, as_json, "Therapies", columns)


@app.command("trials")
def trials_command(
    drug: Annotated[str | None, typer.Option("--drug", help="Therapy id or name given in an arm.")] = None,
    phase: Annotated[str | None, typer.Option("--phase", help="1, 2, 3 or 4 (3 includes 2/3).")] = None,
    verified: Annotated[str | None, typer.Option("--verified", help="yes, partial or no.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List trials with their verification status."""
    with _options():
        found = knowledge.trials(drug=drug, phase=phase, verified=verified)
    rows = [_trial_row(t) for t in found]
    _emit(rows, as_json, "Trials", ("id", "name", "year", "phase", "study_type", "therapies", "verified"))


@app.command("statements")
def statements_command(
    guideline: Annotated[str | None, typer.Option("--guideline", help="e.g. kdigo2024, eular2023.")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="e.g. induction, maintenance.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List guideline statements."""
    with _options():
        found = knowledge.statements(guideline=guideline, topic=topic)
    rows = [
        {"id": s.id, "document": s.document, "kind": s.kind, "topic": s.topic, "certainty": s.certainty,
         "paraphrase": s.paraphrase}
        for s in found
    ]
    _emit(rows, as_json, "Statements", ("id", "topic", "certainty", "paraphrase"))


@app.command("definitions")
def definitions_command(
    guideline: Annotated[str | None, typer.Option("--guideline", help="e.g. kdigo2024.")] = None,
    concept: Annotated[str | None, typer.Option("--concept", help="e.g. renal_response, flare.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List guideline definitions (renal response, milestones, flare, refractory)."""
    with _options():
        found = knowledge.definitions(guideline=guideline, concept=concept)
    rows = [
        {"id": d.id, "document": d.document, "concept": d.concept, "outcome": d.outcome,
         "certainty": d.certainty}
        for d in found
    ]
    _emit(rows, as_json, "Definitions", ("id", "concept", "outcome", "certainty"))


@app.command("show")
def show_command(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="Therapy, trial, statement, definition "
                                           "or reference id; 'trial:ID' when two kinds share it.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one item: its review page, or all its fields as JSON."""
    with _options():
        item = knowledge.get(item_id)
    if as_json:
        typer.echo(json.dumps(item.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        Console().print(Markdown(docs.render_item(item, knowledge.load())))


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for the JSON resources.")],
    fhir: Annotated[bool, typer.Option("--fhir", help="Write FHIR Evidence and Citation resources.")] = False,
) -> None:
    """Export trial results as FHIR (R4B-shaped EBM-on-FHIR) Evidence and Citation JSON files."""
    if not fhir:
        raise InputError("--fhir", None, "is required: FHIR is the only export format")
    written = fhir_export.export(out)
    typer.echo(f"wrote {len(written)} FHIR resources to {out}")


@app.command("docs")
def docs_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for the pages.")] = Path("docs/knowledge"),
) -> None:
    """Write the Markdown review pages (index, therapies, trials, statements, definitions)."""
    written = docs.write(out)
    typer.echo(f"wrote {len(written)} pages to {out}")


@app.command("version")
def version_command(as_json: JsonFlag = False) -> None:
    """Show the version and release date of the knowledge content."""
    version = knowledge.content_version()
    if as_json:
        typer.echo(json.dumps(version.model_dump(mode="json")))
    else:
        typer.echo(f"knowledge base {version}")


def _therapy_row(therapy: Therapy) -> dict[str, Any]:
    approved = sorted({a.agency for a in therapy.approvals if (a.indication, a.status) == ("ln", "approved")})
    return {
        "id": therapy.id, "name": therapy.name, "drug_class": therapy.drug_class, "target": therapy.target,
        "availability": therapy.availability, "approved_for_ln": approved,
    }


def _trial_row(trial: Trial) -> dict[str, Any]:
    return {
        "id": trial.id, "name": trial.name, "year": trial.year, "phase": trial.phase,
        "study_type": trial.study_type, "registry_ids": list(trial.registry_ids),
        "therapies": trial.therapies(), "verified": trial.verified,
    }


def _emit(rows: list[dict[str, Any]], as_json: bool, title: str, columns: tuple[str, ...]) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{title} ({len(rows)})")
    for column in columns:
        # Ids are what a person copies into `lncare kb show`: never truncate or wrap them.
        table.add_column(column.replace("_", " "), no_wrap=column == "id")
    for row in rows:
        table.add_row(*(_text(row[column]) for column in columns))
    Console().print(table)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
