"""`translate segment` (no model) and `translate eval` (profiles scored on references)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, UsageError
from . import ConfigOpt, _fail, _setup_logging, app, log


@app.command("segment")
def segment_cmd(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...",
                                                help="Article files, or folders of articles, to segment.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the structure as JSON (one object per file; with --summary, the summary).")] = False,
    summary: Annotated[bool, typer.Option(
        "--summary", help="Over all the articles: blocks per kind and role, the share with a title and a date, "
                          "the most frequent lines of each kind.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, metavar="N",
                                     help="With --summary: frequent lines shown per kind.")] = 5,
    config: ConfigOpt = None,
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", metavar="NAME",
                                                   help="Profile whose input patterns apply.",
                                                   show_default="the default profile")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on errors.")] = False,
) -> None:
    """Show how articles are segmented (title, date, blocks with kinds, sentences). No model is loaded."""
    _setup_logging(debug=debug)
    from ..config import load_config
    from ..stages.outline import describe, render_text
    from ..text.survey import articles, render_survey, survey

    try:
        inputs = load_config(config).profile(profile).input
        patterns = inputs.patterns()
    except UsageError as exc:
        _fail(exc, debug)
    if summary:
        data = survey(paths, patterns=patterns, top=top, min_arabic_letters=inputs.min_arabic_letters)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1) if as_json else render_survey(data))
        raise typer.Exit(1 if data["failed"] else 0)
    results, failed = [], 0
    for path, explicit in articles(paths)[0]:
        try:
            results.append(describe(path, patterns=patterns, explicit=explicit,
                                    min_arabic_letters=inputs.min_arabic_letters))
        except InputError as exc:
            failed += 1
            typer.echo(f"error: {path}: {exc.reason}\n  fix: {exc.hint}", err=True)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for item in results:
            typer.echo(render_text(item))
    raise typer.Exit(1 if failed else 0)


@app.command("eval")
def eval_cmd(
    references: Annotated[list[Path], typer.Argument(
        metavar="REFERENCES...", help="Reference translations: a TSV (source<TAB>reference), a TMX, "
                                      "or two line-aligned files (FLORES-200 style).")],
    config: ConfigOpt = None,
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", metavar="NAMES",
                                                   help="Profile(s) to compare, comma-separated.",
                                                   show_default="the default profile")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", metavar="FILE",
                                                     help="Also write the results as JSON to this file.",
                                                     show_default="no JSON file")] = None,
    hypotheses: Annotated[Optional[Path], typer.Option(metavar="DIR",
                                                       help="Write each profile's translations to DIR/<profile>.txt.",
                                                       show_default="not written")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Verbose logs; tracebacks on errors.")] = False,
) -> None:
    """Score profiles on your reference translations (sacrebleu BLEU and chrF++) with their speed."""
    _setup_logging(debug=debug)
    from ..config import load_config
    from ..evaluation import as_json, load_references, render_table
    from ..evaluation.run import evaluate_profile
    from ..outputs.atomic import write_atomic

    try:
        loaded = load_config(config)
        names = [n.strip() for n in (profile or loaded.default_profile).split(",") if n.strip()]
        profiles = [loaded.profile(name) for name in names]
        refs = load_references(references)
        results = []
        from ..catalog import require_models

        for chosen in profiles:
            require_models(chosen)
            log.warning("evaluating %s on %d sentences (%s)...", chosen.name, len(refs), refs.origin)
            results.append(evaluate_profile(chosen, refs, keep_hypotheses=hypotheses is not None))
            if hypotheses is not None:
                write_atomic(hypotheses / f"{chosen.name}.txt", "\n".join(results[-1].hypotheses) + "\n")
        if json_out is not None:
            write_atomic(json_out, json.dumps(as_json(results, refs), ensure_ascii=False, indent=1) + "\n")
    except UsageError as exc:
        _fail(exc, debug)
    typer.echo(render_table(results))
