"""``lncare evidence meta|nma``: pairwise and network meta-analysis of a CSV file (DESIGN.md contract 3).

Bad input (a missing column, a negative count, events above n, a non-number, an unknown option value)
raises :class:`~lncare.errors.InputError`; ``lncare.cli.main`` prints it as one line, exit code 2.
"""

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from lncare.errors import InputError, one_of
from lncare.evidence.csvinput import read_arms, read_pairwise
from lncare.evidence.effects import BinaryStudy
from lncare.evidence.lupus_report import json_safe
from lncare.evidence.meta import METHODS, MetaResult, meta_analysis
from lncare.evidence.nma import NetworkResult, SmallValues, netmeta
from lncare.evidence.plots import forest_plot, league_heatmap, network_graph

app = typer.Typer(help="Evidence synthesis: meta-analysis and network meta-analysis.", no_args_is_help=True)

META_MEASURES = ("OR", "RR", "RD", "GEN")
NMA_MEASURES = ("OR", "RR", "RD", "MD")


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    upper = value.upper()
    if upper not in allowed:
        raise InputError(option, value, f"is not accepted (use {one_of(list(allowed))})")
    return upper


def _num(value: float | None, digits: int = 4) -> str:
    return "NA" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


@app.command("meta")
def meta_command(
    data: Annotated[Path, typer.Argument(help="CSV: study,events_t,n_t,events_c,n_c or study,yi,vi.")],
    measure: Annotated[str, typer.Option("--measure", help="OR, RR, RD, or GEN for precomputed yi/vi.")],
    method: Annotated[
        str, typer.Option("--method", help="EE, DL, REML, PM, ML, SJ, HE, HS, MH or PETO.")
    ] = "REML",
    test: Annotated[str, typer.Option("--test", help="z (Wald) or knha (Knapp-Hartung).")] = "z",
    level: Annotated[float, typer.Option("--level", help="Confidence level in percent.")] = 95.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    forest: Annotated[
        Path | None, typer.Option("--forest", help="Write a forest plot (.svg or .png).")
    ] = None,
) -> None:
    """Pairwise meta-analysis, reproducing R's metafor."""
    measure = _choice("--measure", measure, META_MEASURES)
    method = _choice("--method", method, METHODS)
    test = test.lower()
    if test not in ("z", "knha"):
        raise InputError("--test", test, "is not accepted (use z or knha)")
    studies = read_pairwise(data)
    if measure == "GEN" and studies and isinstance(studies[0], BinaryStudy):
        raise InputError("--measure", measure, "needs a study,yi,vi file; use OR, RR or RD for 2x2 tables")
    if measure != "GEN" and studies and not isinstance(studies[0], BinaryStudy):
        raise InputError("--measure", measure, "needs 2x2 tables; use --measure GEN for a study,yi,vi file")
    result = meta_analysis(studies, measure, method, test, level)
    if forest is not None:
        forest_plot(result, forest)
    if as_json:
        typer.echo(json.dumps(json_safe(result.to_json()), indent=2))
    else:
        typer.echo(_meta_summary(result))


def _meta_summary(r: MetaResult) -> str:
    scale = math.exp if r.is_ratio else (lambda x: x)
    model = "common effect" if r.tau2 is None else "random effects"
    lines = [f"{r.measure} meta-analysis, {r.method} ({model}), k = {r.k}, {r.level:g}% CI, test {r.test}"]
    lines.append(
        f"  estimate {_num(scale(r.estimate))} [{_num(scale(r.ci_lb))}; {_num(scale(r.ci_ub))}]"
        f"  z = {_num(r.zval, 2)}, p = {_num(r.pval)}" + ("  (ratio scale)" if r.is_ratio else "")
    )
    if r.pi_lb is not None and r.pi_ub is not None:
        lines.append(f"  prediction interval [{_num(scale(r.pi_lb))}; {_num(scale(r.pi_ub))}]")
    if r.q is not None:
        lines.append(
            f"  Q = {_num(r.q, 2)} (df = {r.k - 1}), p = {_num(r.q_pval)}; I² = {_num(r.i2, 1)}%"
            + ("" if r.tau2 is None else f"; tau² = {_num(r.tau2)}")
        )
    lines.extend(f"  note: {n}" for n in r.notes)
    return "\n".join(lines)


@app.command("nma")
def nma_command(
    data: Annotated[
        Path,
        typer.Argument(help="CSV, one row per arm: study,treatment,events,n or study,treatment,mean,sd,n."),
    ],
    measure: Annotated[str, typer.Option("--measure", help="OR, RR, RD or MD.")] = "OR",
    reference: Annotated[str | None, typer.Option("--reference", help="Reference treatment.")] = None,
    random: Annotated[bool, typer.Option("--random", help="Random-effects model (default: common).")] = False,
    small_values: Annotated[
        str,
        typer.Option(
            "--small-values", help="desirable (lower is better, the default) or undesirable, for P-scores."
        ),
    ] = "desirable",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write the network graph (.svg or .png); a league-table heat map goes beside it."
        ),
    ] = None,
) -> None:
    """Network meta-analysis by netmeta's graph-theoretical method."""
    measure = _choice("--measure", measure, NMA_MEASURES)
    if small_values not in ("desirable", "undesirable"):
        raise InputError("--small-values", small_values, "is not accepted (use desirable or undesirable)")
    chosen: SmallValues = "desirable" if small_values == "desirable" else "undesirable"
    result = netmeta(read_arms(data), measure, small_values=chosen)
    ref = reference or result.treatments[0]
    if ref not in result.treatments:
        raise InputError(
            "--reference", ref, f"is not a treatment here (use {one_of(list(result.treatments))})"
        )
    if plot is not None:
        network_graph(result, plot)
        league_heatmap(result, plot.with_name(f"{plot.stem}-league{plot.suffix}"), random)
    if as_json:
        typer.echo(json.dumps(json_safe(result.to_json(ref, random)), indent=2))
    else:
        typer.echo(_nma_summary(result, ref, random))


def _nma_summary(r: NetworkResult, reference: str, random: bool) -> str:
    ratio = r.measure in ("OR", "RR")
    scale = math.exp if ratio else (lambda x: x)
    model = "random effects" if random else "common effect"
    lines = [f"Network meta-analysis ({r.measure}, {model}): {r.k} studies, {r.n} treatments, {r.d} designs"]
    lines.append(f"  versus {reference}" + (" (ratio scale)" if ratio else ""))
    scores = r.fit(random).pscores(r.small_values)
    for e in r.estimates(reference, random):
        lines.append(
            f"  {e.treatment:<24} {_num(scale(e.estimate), 3)} [{_num(scale(e.ci_lb), 3)}; "
            f"{_num(scale(e.ci_ub), 3)}]  P-score {scores[e.treatment]:.3f}"
        )
    dec = r.decomposition
    lines.append(
        f"  Q = {_num(r.q, 2)} (df = {r.df_q}), p = {_num(r.q_pval)}; within designs {_num(dec.q_within, 2)}"
        f" (df = {dec.df_within}), between designs {_num(dec.q_between, 2)} (df = {dec.df_between})"
    )
    if r.tau2 is not None:
        lines.append(
            f"  tau² = {_num(r.tau2)}; I² = {_num(r.i2, 1)}% [{_num(r.i2_ci_lb, 1)}; {_num(r.i2_ci_ub, 1)}]"
        )
    lines.extend(f"  note: {n}" for n in r.notes)
    return "\n".join(lines)


@app.command("lupus")
def lupus_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for tables (lupus.md, lupus.json) and forest plots.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the analyses as JSON.")] = False,
) -> None:
    """Add-on therapy vs standard therapy in LN, pooled from the knowledge-base trials."""
    from lncare.evidence import lupus_report
    from lncare.evidence.lupus import lupus_analyses
    from lncare.knowledge import load

    if out is not None and out.exists() and not out.is_dir():
        raise InputError("--out", str(out), "must be a folder, not a file")
    analyses = lupus_analyses(load())
    if out is not None:
        lupus_report.write(analyses, out)
    if as_json:
        typer.echo(json.dumps(lupus_report.to_json(analyses), indent=2))
    else:
        typer.echo(lupus_report.summary(analyses))
