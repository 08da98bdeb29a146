"""The command line: a thin layer over the library (the only module importing click).

Exit codes (every message kind and code: ``docs/errors.md``):

* 0 — success;
* 1 — the build failed: content errors (or warnings under ``--strict``);
* 2 — bad usage or an invalid configuration;
* 3 — the NLP pipeline could not be loaded;
* 4 — another build is writing the same output folder (it is not waited for);
* 130 — interrupted (Ctrl-C, or SIGTERM during a build).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__

EXIT_OK, EXIT_BUILD, EXIT_USAGE, EXIT_PIPELINE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)


def _load_config(config_file: str | None, overrides: dict) -> Config:  # noqa: F821
    from .config import ConfigError, load_config

    try:
        config = load_config(config_file, overrides)
    except ConfigError as exc:
        for error in exc.located:
            click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    return config


def _pipeline_error() -> type[BaseException]:
    """``sitegen.nlp.PipelineError``, once spaCy is loaded (only then can it be raised).

    Used in ``except`` clauses, which are evaluated only when an exception
    arrives: a build served from the cache never imports spaCy (a second saved).
    """
    nlp = sys.modules.get("sitegen.nlp")
    return nlp.PipelineError if nlp is not None else _NeverRaised


class _NeverRaised(Exception):
    pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """sitegen: turn a folder of news articles into a static briefing site.

    Put articles (.txt, .md or .html, optional YAML front matter) in content/,
    run 'sitegen build', and publish the build/ folder.
    """


config_option = click.option("--config", "-c", "config_file", type=click.Path(dir_okay=False),
                             help="Config file (default: sitegen.yaml in the current folder).")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(0), default=None,
                           help="Processes analysing articles (default build.jobs: one per core; 1: no pool).")
scheduler_option = click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                                help="Analyse on this Dask distributed scheduler's workers (needs sitegen[dask]).")


@main.command()
@config_option
@click.option("--output", "-o", type=click.Path(file_okay=False), default=None,
              help="Output folder (overrides output_dir).")
@click.option("--drafts/--no-drafts", default=None, help="Include articles marked draft: true.")
@click.option("--strict/--no-strict", default=None, help="Fail on warnings (missing date, source, …).")
@click.option("--force", is_flag=True,
              help="Build even if no input or output file changed since the last build (which is otherwise skipped).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--verbose", "-v", count=True, help="Say more (-v: each step and the noise removed; -vv: debug).")
@click.option("--no-daemon", is_flag=True,
              help="Build in this process even if a 'sitegen daemon' of this project is running.")
@jobs_option
@scheduler_option
def build(config_file: str | None, output: str | None, drafts: bool | None, strict: bool | None, force: bool,
          quiet: bool, verbose: int, no_daemon: bool, jobs: int | None, scheduler: str | None) -> None:
    """Build the site into the output folder (default build/).

    If a 'sitegen daemon' runs for this project, the build is handed to it
    (the same site, much faster after small edits); else it runs here.
    """
    _setup_logging(verbose, quiet)
    config = _load_config(config_file, {})
    options = {"output": str(Path(output).resolve()) if output else None, "drafts": drafts, "strict": strict,
               "force": force, "quiet": quiet, "verbose": verbose, "jobs": jobs}
    if not no_daemon and scheduler is None:
        from .daemon import hand_over

        code = hand_over(config, options, click.echo)
        if code is not None:
            sys.exit(code)
    main_thread = threading.current_thread() is threading.main_thread()
    # `kill` (SIGTERM) stops a build as cleanly as Ctrl-C: temporary files removed.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main_thread else None
    try:
        code = build_and_report(config, options, click.echo, scheduler=scheduler)
    except KeyboardInterrupt:
        click.echo("interrupted; the previous output was left as it was", err=True)
        code = EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def build_and_report(config: Config, options: dict, echo: Callable[..., None], *,  # noqa: F821
                     scheduler: str | None = None, run: Callable[..., Any] | None = None,
                     progress: bool = True, by: str = "") -> int:
    """Build as ``sitegen build`` does and say what happened with ``echo(message, err=...)``;
    return the exit code.  ``options``: output, drafts, strict, force, quiet, verbose, jobs.

    Shared by the command and :mod:`sitegen.daemon` (which passes its own
    ``run``, a build that keeps memory between builds, and ``by``, said in
    the last line).
    """
    from .build import BuildError, OutputLockedError
    from .build import build as run_build
    from .executor import SchedulerError
    from .progress import Progress

    quiet, verbose = options.get("quiet", False), options.get("verbose", 0)
    run = run or run_build
    try:
        with Progress(enabled=progress and not quiet) as bar:
            result = run(config, output=Path(options["output"]) if options.get("output") else None,
                         drafts=options.get("drafts"), strict=options.get("strict"), jobs=options.get("jobs"),
                         scheduler=scheduler, progress=bar,
                         skip_unchanged=not (options.get("force") or verbose))  # -v shows the cleaning log
    except OutputLockedError as exc:
        for problem in exc.problems:
            echo(f"error: {problem}", err=True)
        return EXIT_LOCKED
    except BuildError as exc:
        for problem in exc.problems:
            echo(f"error: {problem}", err=True)
        echo(f"build failed with {len(exc.problems)} error(s); the previous output was left as it was", err=True)
        return EXIT_BUILD
    except _pipeline_error() as exc:
        echo(f"error: {exc}", err=True)
        return EXIT_PIPELINE
    except SchedulerError as exc:
        echo(f"error: {exc}", err=True)
        return EXIT_USAGE
    if verbose:
        for path, line in result.removed:
            echo(f"{path}: removed {line}", err=True)
    warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
    if not quiet and result.unchanged:
        echo(f"{result.output} is up to date ({result.articles} articles, {result.pages} pages): "
             f"nothing changed since the last build (checked in {result.seconds:.2f} s{by}){warned}")
    elif not quiet:
        echo(f"built {result.articles} articles into {result.pages} pages ({result.files} files) "
             f"in {result.output} in {result.seconds:.1f} s{by}{warned}")
    return EXIT_OK


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the analyses as a JSON list (the public format).")
@click.option("--pipeline", default=None, help="spaCy pipeline to use (overrides nlp.pipeline).")
def analyze(files: tuple[str, ...], config_file: str | None, as_json: bool, pipeline: str | None) -> None:
    """Print the analysis the site is built from, for each FILE.

    With --json the output is a JSON list with one object per file:
    path, slug, title, dek, date, source, url, sentences, entities, summary, …
    (see docs/analysis-json.md).
    """
    _setup_logging(0, True)
    from .analyse import analyse, to_json
    from .ingest import IngestError, read_article
    from .nlp import PipelineError

    config = _load_config(config_file, {"nlp.pipeline": pipeline})
    results = []
    failed = False
    for name in files:
        try:
            article = read_article(Path(name), display_path=name)
            results.append(to_json(analyse(article, config.analysis_key)))
        except IngestError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
        except PipelineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_PIPELINE)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            click.echo(f"{r['path']}: {r['title'] or '(untitled)'} — {r['source'] or 'source not named'}, "
                       f"{r['date'] or 'undated'}; {len(r['sentences'])} sentences, {len(r['entities'])} entities")
            by_id = {s["id"]: s["text"] for s in r["sentences"]}
            for sid in r["summary"]:
                click.echo(f"  [{sid}] {by_id[sid]}")
    sys.exit(EXIT_BUILD if failed else EXIT_OK)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 shows the preview to your whole network).")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--drafts/--no-drafts", default=None, help="Include articles marked draft: true.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def serve(config_file: str | None, host: str, port: int, drafts: bool | None, quiet: bool) -> None:
    """Build, serve and watch the site; reload open pages on every change.

    Watches content, templates, static files, the data folder and the config.
    After an edit of an article its own page is shown first, then the whole
    site is rebuilt.  A failed rebuild keeps serving the last good site and
    shows the error in the terminal and on the page.  Ctrl-C stops.
    """
    logging.basicConfig(level=logging.ERROR if quiet else logging.INFO, format="%(message)s", stream=sys.stderr,
                        force=True)
    from .server import project_builder
    from .server import serve as run_server

    _load_config(config_file, {})  # bad config: say so now, exit 2
    builder, watched = project_builder(config_file, drafts=drafts)
    try:
        run_server(builder, watched, host, port)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


@main.group()
def daemon() -> None:
    """A warm build process for this project, which 'sitegen build' hands its builds to.

    'sitegen daemon start' starts it in the background; from then on
    'sitegen build' (without --no-daemon or --scheduler) asks it to build:
    the same site, messages and exit code, but after a small edit in a
    fraction of the time (spaCy, the analyses and the last build stay in its
    memory).  It stops after --idle minutes without a build, on 'sitegen
    daemon stop', and when sitegen is upgraded.  See docs/daemon.md.
    """


@daemon.command("start")
@config_option
@click.option("--idle", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Minutes without a build before it stops.")
def daemon_start(config_file: str | None, idle: float) -> None:
    """Start this project's daemon in the background (if it is not running)."""
    from .daemon import DaemonError, start, state_path

    config = _load_config(config_file, {})
    try:
        pid, running = start(config, idle_minutes=idle)
    except DaemonError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BUILD)
    where = state_path(config).parent
    click.echo(f"sitegen daemon {pid} {'was already running' if running else 'started'} for this project "
               f"(log: {where / 'daemon.log'}); 'sitegen build' now hands its builds to it")


@daemon.command("stop")
@config_option
def daemon_stop(config_file: str | None) -> None:
    """Stop this project's daemon (after the build it is making, if any)."""
    from .daemon import stop

    pid = stop(_load_config(config_file, {}))
    click.echo(f"sitegen daemon {pid} stopped" if pid is not None else "no sitegen daemon runs for this project")


@daemon.command("status")
@config_option
def daemon_status(config_file: str | None) -> None:
    """Say whether this project's daemon runs (exit 1 if not)."""
    from .daemon import status

    state = status(_load_config(config_file, {}))
    if state is None:
        click.echo("no sitegen daemon runs for this project")
        sys.exit(EXIT_BUILD)
    click.echo(f"sitegen daemon {state['pid']} runs for {state['project']} (sitegen {state['version']}): "
               f"{state['builds']} build(s), {state.get('prepared', 0)} saved edit(s) prepared, "
               f"idle {state['idle_seconds']:.0f} s of {state['idle_limit']:.0f} s; "
               + ("warm" if state.get("warm") else "warming up (its first build)"))


@main.command()
@config_option
@click.option("--to", "target", default=None, metavar="DIR|[USER@]HOST:PATH",
              help="Copy the site into a folder, or rsync it to HOST:PATH.")
@click.option("--git", "to_git", is_flag=True, help="Commit the site to a branch and push it (as mkdocs gh-deploy).")
@click.option("--branch", "-b", default="gh-pages", show_default=True, help="Branch for --git.")
@click.option("--remote", "-r", default="origin", show_default=True, help="Remote (name or URL) for --git.")
@click.option("--message", "-m", default=None, help="Commit message for --git.")
@click.option("--push/--no-push", default=True, show_default=True, help="Push the branch after committing (--git).")
@click.option("--cname", default=None, help="Custom domain: write a CNAME file into the branch (--git).")
@click.option("--delete", is_flag=True, help="Remove files from the target that the site no longer has (--to).")
@click.option("--build/--no-build", "do_build", default=True, show_default=True,
              help="Build before publishing (--no-build publishes the output folder as it is).")
@click.option("--output", "-o", type=click.Path(file_okay=False), default=None,
              help="Output folder to build into and publish (overrides output_dir).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def deploy(config_file: str | None, target: str | None, to_git: bool, branch: str, remote: str,
           message: str | None, push: bool, cname: str | None, delete: bool, do_build: bool,
           output: str | None, quiet: bool) -> None:
    """Publish the built site: to a folder or rsync target (--to), or a git branch (--git)."""
    _setup_logging(0, quiet)
    from .build import BuildError
    from .build import build as run_build
    from .deploy import DeployError, deploy_to_folder, deploy_to_git, deploy_with_rsync, is_remote
    from .nlp import PipelineError

    if not target and not to_git:
        raise click.UsageError("say where to publish: --to DIR, --to USER@HOST:PATH, or --git")
    config = _load_config(config_file, {})
    site = Path(output).resolve() if output else config.folder("output_dir")
    if do_build:
        try:
            run_build(config, output=site)
        except BuildError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo("build failed: nothing was published", err=True)
            sys.exit(EXIT_BUILD)
        except PipelineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_PIPELINE)
    try:
        if target:
            if is_remote(target):
                deploy_with_rsync(site, target, delete=delete)
                if not quiet:
                    click.echo(f"published {site} to {target} with rsync")
            else:
                copied, removed = deploy_to_folder(site, Path(target), delete=delete)
                if not quiet:
                    click.echo(f"published {site} to {target}: {copied} file(s) written, {removed} removed")
        if to_git:
            result = deploy_to_git(site, config.root, branch=branch, remote=remote, message=message, push=push,
                                   cname=cname)
            if not quiet:
                if result.commit is None:
                    click.echo(f"{branch}: the site has not changed, nothing to commit"
                               + ("; pushed" if result.pushed else ""))
                else:
                    click.echo(f"{branch}: committed {result.commit[:12]} ({result.files} files)"
                               + (f" and pushed to {remote}" if result.pushed else "; not pushed (--no-push)"))
    except DeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BUILD)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
def new(directory: str) -> None:
    """Create a new briefing project in DIRECTORY."""
    from .scaffold import ScaffoldError, create_project

    try:
        created = create_project(Path(directory))
    except ScaffoldError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && sitegen build")


if __name__ == "__main__":  # pragma: no cover
    main()
