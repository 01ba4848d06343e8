"""The device menu is truthful (issue 14, item 5): the Train and Compare pages draw it
only where a GPU exists. A hosted visitor (no GPU) sees no menu and no note about CUDA;
a shared link asking for ``device=cuda`` there is told why once, in the URL's errors,
and the page runs on the CPU. torch.cuda.is_available is patched both ways (AppTest
runs the page in this process), so both sides are checked on any machine.
"""

from __future__ import annotations

import pytest
import torch
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

PAGES = [("app_pages/train.py", "tr.device"), ("app_pages/compare.py", "cmp.device")]



def shown_text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info]
    return " ".join(str(p.value) for p in parts)


def device_menus(at: AppTest, key: str) -> list:
    return [s for s in at.selectbox if s.key == key]


@pytest.mark.parametrize(("script", "key"), PAGES)
def test_no_gpu_no_menu_and_one_reason_for_a_cuda_link(monkeypatch, script, key):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    at = open_page(script, {})
    assert device_menus(at, key) == []
    assert "cuda" not in shown_text(at).lower() and not at.error

    at = open_page(script, {"device": "cuda"})
    assert device_menus(at, key) == []
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert "device='cuda'" in errors[0] and "no GPU is available" in errors[0]
    assert shown_text(at).lower().count("cuda") == 1     # said once, nowhere else
    assert at.session_state[key] == "auto" and "device" not in at.query_params


@pytest.mark.parametrize(("script", "key"), PAGES)
def test_with_a_gpu_the_menu_offers_cuda(monkeypatch, script, key):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    at = open_page(script, {"device": "cuda"})
    menus = device_menus(at, key)
    assert len(menus) == 1 and menus[0].options == ["auto", "cpu", "cuda"]
    assert menus[0].value == "cuda"
    # the Train page builds its run at once: on this faked GPU (torch has no CUDA) it says
    # it cannot, with the device, and nothing crashes
    assert all("could not be built on cuda" in e.value for e in at.error)
