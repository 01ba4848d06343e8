"""``python -m ganloss_viz``: see :mod:`ganloss_viz.cli`."""

from ganloss_viz.cli import main

raise SystemExit(main())
