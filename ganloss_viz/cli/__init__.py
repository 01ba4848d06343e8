"""The command line: ``python -m ganloss_viz <command> ... [--json]``.

Without ``--json`` a short human summary goes to stdout (``fit`` also draws a
progress bar on stderr). With ``--json`` exactly one JSON object goes to stdout;
infinite numbers are written as the strings ``"inf"`` / ``"-inf"`` and a NaN is a
bug (exit status 1). Bad input of any kind exits with status 2 after printing
exactly one line on stderr and nothing on stdout.

The package: :mod:`.parser` (arguments), :mod:`.commands` (one handler per
command), :mod:`.output` (JSON, human text, error lines), :mod:`.progress` (the
progress bar). torch (through the library) is imported only when a command runs, so
``--help`` stays fast.
"""

from __future__ import annotations

from ganloss_viz.cli.commands import COMMANDS, UsageError
from ganloss_viz.cli.output import print_error, print_out, to_json
from ganloss_viz.cli.parser import EXIT_BUG, EXIT_OK, EXIT_USAGE, build_parser
from ganloss_viz.cli.progress import ProgressBar
from ganloss_viz.jsondata import OutputBug, jsonable

__all__ = ["OutputBug", "ProgressBar", "UsageError", "build_parser", "jsonable", "main",
           "to_json"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        obj, text = COMMANDS[args.command](args)
        out = to_json(obj) if args.json else text
    except (UsageError, ValueError) as exc:
        print_error(exc)
        return EXIT_USAGE
    except OutputBug as exc:
        print_error(f"internal error (a bug, please report it): {exc}")
        return EXIT_BUG
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except Exception as exc:
        print_error(f"internal error (a bug, please report it): {type(exc).__name__}: {exc}")
        return EXIT_BUG
    print_out(out)
    return EXIT_OK
