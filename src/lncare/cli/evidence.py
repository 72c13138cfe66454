"""``lncare evidence ...``: meta-analysis and network meta-analysis."""

from __future__ import annotations

import typer

app = typer.Typer(help="Evidence synthesis: meta-analysis and network meta-analysis.",
                  no_args_is_help=True)
