"""The ``lncare`` command line: one sub-command group per package area.

Bad input never shows a traceback: :func:`main` turns an :class:`~lncare.errors.InputError` into one
line on stderr and exit code 2 (DESIGN.md, contract 3).
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from lncare import __version__
from lncare.cli import calc, cohort, evidence, kb, patient, plan, serve
from lncare.errors import InputError

app = typer.Typer(
    name="lncare",
    help="Decision support for lupus nephritis: calculators, knowledge base, plans and evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calc.app, name="calc")
app.add_typer(patient.app, name="patient")
app.add_typer(kb.app, name="kb")
app.add_typer(evidence.app, name="evidence")
app.add_typer(cohort.app, name="cohort")
app.command("recommend")(plan.recommend)
app.command("assess")(plan.assess)
app.command("serve")(serve.serve)


def _show_version(value: bool) -> None:
    if value:
        # Imported here so plain commands do not pay for loading the knowledge base.
        from lncare.knowledge import content_version

        typer.echo(f"lncare {__version__}, knowledge base {content_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """lncare command line."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``lncare`` console script.

    Typer runs outside its standalone mode so that every usage error (missing option, bad choice) is
    reported the same way as an InputError: one line on stderr and exit code 2, never a framed box or
    a traceback.
    """
    try:
        result = app(args=argv, prog_name="lncare", standalone_mode=False)
    except InputError as err:
        _fail(str(err), 2)
    except typer.TyperException as err:  # usage errors carry exit code 2
        _fail(err.format_message(), err.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)
