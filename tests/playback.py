"""Checks shared by the tests of animated figures (the Train replay, the Compare grid)."""

from __future__ import annotations

from ganloss_viz.figures.train import BUTTONS_PX, TICK_NAME


def controls_apart(fig, widths=(500, 700, 900, 1200, 1800)) -> None:
    """The play / pause pair ends left of everything the slider draws (its current-step
    label, rail, ticks and tick labels start at x + pad.l), in paper units of plots
    `widths` px wide; the step labels sit under the rail, inside the slider."""
    menu, slider = fig.layout.updatemenus[0], fig.layout.sliders[0]
    assert menu.xanchor == slider.xanchor == "left" and menu.y == slider.y
    ticks = [a for a in fig.layout.annotations if a.name == TICK_NAME]
    for w in widths:
        buttons = (menu.x, menu.x + BUTTONS_PX / w)
        start, end = slider.x + slider.pad.l / w, slider.x + slider.len
        assert buttons[1] < start < end <= 1.0
        for a in ticks:
            assert start <= a.x + a.xshift / w <= end
            assert a.y == slider.y and a.yshift < 0
