"""A study's declaration: seeds text, the grid and its order, run ids, random search,
study files, and the errors that stop a bad study before any file is written."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest

from ganloss_viz.study import HOSTED_MAX_RUNS, HOSTED_MAX_STEPS, Study, from_dict, parse_seeds
from ganloss_viz.study.grid import FIXED, load_file


@pytest.mark.parametrize(("text", "seeds"), [("0-4", [0, 1, 2, 3, 4]), ("3", [3]),
                                             ("0,3,7", [0, 3, 7]), ("0-2,10,1", [0, 1, 2, 10]),
                                             (" 5 - 6 ", [5, 6])])
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-2", "1-b", "0,,2"])
def test_parse_seeds_refuses(text):
    with pytest.raises(ValueError, match="seed"):
        parse_seeds(text)


def test_grid_is_the_full_product_in_order():
    s = Study(losses=["ns", "hinge"], targets=["ring8", "bimodal"], seeds=[0, 1, 2],
              lr=[1e-4, 1e-3], n_critic=[1, 2])
    runs = s.runs()
    assert len(runs) == 2 * 2 * 3 * 2 * 2
    expected = [(lo, t, lr, nc, seed) for lo, t in itertools.product(["ns", "hinge"],
                                                                     ["ring8", "bimodal"])
                for lr, nc in itertools.product([1e-4, 1e-3], [1, 2]) for seed in [0, 1, 2]]
    assert [(r.loss, r.target, r.lr, r.n_critic, r.seed) for r in runs] == expected
    assert {(r.width, r.depth, r.batch) for r in runs} == {tuple(FIXED.values())}
    assert all(r.penalty_weight is None for r in runs)       # the loss's default


def test_run_ids_are_stable_and_distinct():
    runs = Study(losses=["ns"], targets=["ring8"], seeds=range(4), lr=[1e-4, 1e-3]).runs()
    assert len({r.run_id for r in runs}) == len(runs)
    again = Study(losses=["ns"], targets=["ring8"], seeds=range(4), lr=[1e-4, 1e-3]).runs()
    assert [r.run_id for r in again] == [r.run_id for r in runs]
    assert replace(runs[0], steps=runs[0].steps + 1).run_id != runs[0].run_id


def test_run_config_is_a_cpu_single_thread_run_of_the_settings():
    run = Study(losses=["wgan_gp"], targets=["bimodal"], seeds=[3], lr=[2e-4],
                penalty_weight=[5.0], steps=300).runs()[0]
    cfg = run.config().resolved()
    assert (cfg.device, cfg.threads, cfg.seed, cfg.steps) == ("cpu", 1, 3, 300)
    assert (cfg.lr_g, cfg.lr_d, cfg.penalty_weight) == (2e-4, 2e-4, 5.0)
    assert cfg.n_critic == 5                                   # wgan_gp's own default


def test_random_search_draws_distinct_settings_reproducibly():
    kw = dict(losses=["ns"], targets=["bimodal"], seeds=[0, 1], lr=[1e-4, 3e-4, 1e-3],
              batch=[64, 128], width=[32, 64])
    full = {(r.lr, r.batch, r.width) for r in Study(**kw).runs()}
    s = Study(**kw, random=5, sample_seed=7)
    drawn = [(r.lr, r.batch, r.width) for r in s.runs()]
    assert len(s.runs()) == 5 * 2 and set(drawn) <= full and len(set(drawn)) == 5
    assert [r.run_id for r in Study(**kw, random=5, sample_seed=7).runs()] == \
        [r.run_id for r in s.runs()]
    with pytest.raises(ValueError, match="from 1 to the 12 settings"):
        Study(**kw, random=13)


@pytest.mark.parametrize(("kw", "message"), [
    (dict(losses=["ns", "nope"]), "unknown loss 'nope'"),
    (dict(targets=["ring9"]), "unknown target 'ring9'"),
    (dict(losses=[]), "no losses"),
    (dict(targets=[" "]), "no targets"),
    (dict(seeds=[]), "no seeds"),
    (dict(seeds=[-1]), "seeds must be whole numbers >= 0"),
    (dict(losses=["ns", "ns"]), "repeated: ns"),
    (dict(steps=60_000), "steps = 60000 exceeds the cap of 50000"),
    (dict(width=[64, 4096]), "width = 4096 exceeds the cap of 512"),
    (dict(lr=[-1.0]), "lr_g must be a finite number > 0"),
    (dict(n_critic=[50]), "n_critic = 50 exceeds the cap of 20"),
])
def test_bad_studies_name_the_problem(kw, message):
    base = dict(losses=["ns"], targets=["bimodal"], seeds=[0])
    with pytest.raises(ValueError, match=message):
        Study(**{**base, **kw})


def test_hosted_caps():
    ok = Study(losses=["ns", "hinge"], targets=["bimodal"], seeds=range(HOSTED_MAX_RUNS // 2),
               steps=HOSTED_MAX_STEPS, hosted=True)
    assert len(ok.runs()) == HOSTED_MAX_RUNS
    with pytest.raises(ValueError, match=f"over the hosted cap of {HOSTED_MAX_RUNS}"):
        Study(losses=["ns", "hinge"], targets=["bimodal"], seeds=range(13), steps=100,
              hosted=True)
    with pytest.raises(ValueError, match=f"hosted cap of {HOSTED_MAX_STEPS}"):
        Study(losses=["ns"], targets=["bimodal"], seeds=[0], steps=HOSTED_MAX_STEPS + 1,
              hosted=True)
    with pytest.raises(ValueError, match="width = 512 exceeds the hosted cap of 256"):
        Study(losses=["ns"], targets=["bimodal"], seeds=[0], steps=100, width=[512],
              hosted=True)


def test_study_files(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('losses = ["ns", "hinge"]\ntargets = "ring8"\nseeds = "0-2"\n'
                    'lr = [1e-4, 1e-3]\nsteps = 200\n')
    s = load_file(str(toml))
    assert (s.losses, s.targets, s.seeds, s.lr, s.steps) == (
        ("ns", "hinge"), ("ring8",), (0, 1, 2), (1e-4, 1e-3), 200)
    js = tmp_path / "s.json"
    js.write_text(json.dumps(s.describe()))
    assert [r.run_id for r in load_file(str(js)).runs()] == [r.run_id for r in s.runs()]
    assert from_dict(s.describe()).describe() == s.describe()
    with pytest.raises(ValueError, match="unknown study key"):
        from_dict({"losses": ["ns"], "targets": ["ring8"], "seeds": [0], "lrs": [1e-3]})
    bad = tmp_path / "bad.toml"
    bad.write_text("losses = [")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_file(str(bad))
    with pytest.raises(ValueError, match="cannot read the study file"):
        load_file(str(tmp_path / "missing.json"))
