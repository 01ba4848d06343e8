"""Deploying as it is: Community Cloud gets a CPU build of torch, the README's commands PyPI only.

Streamlit Community Cloud installs the first dependency file it finds, looking in the
entrypoint's directory first and then at the repository root, in this order: ``uv.lock``
(uv), ``Pipfile`` (pipenv), ``environment.yml`` (conda), ``requirements.txt`` (``uv pip
install``, falling back to pip), ``pyproject.toml`` (poetry); only that one file is used
(docs.streamlit.io, "App dependencies for your Community Cloud app"). The entrypoint here,
``app.py``, is at the root, so Cloud installs the ``Pipfile``: torch ``==X+cpu`` from
PyTorch's CPU index, everything else from PyPI. ``requirements.txt``, which the README's
commands and CI install, names PyPI only.

Checked offline on every run (CI included): which file Cloud picks; that the Pipfile takes
torch's CPU build from the CPU index and nothing else from it; that it lists exactly the
libraries and specifiers of requirements.txt; that requirements*.txt name no other index;
that no library of the deploy set except torch brings torch or a CUDA-only package (NVIDIA,
CUDA, Triton; installed metadata, markers evaluated for Cloud's Linux x86-64); and, where the
torch installed here is the CPU build, that its own requirements bring none either.

Opt-in, online (``GANLOSS_VIZ_RESOLVE_ONLINE=1``): ``pip install --dry-run --report`` of the
deploy set against PyPI and the CPU index (``GANLOSS_VIZ_TORCH_INDEX`` replaces the latter,
for example with a local stand-in serving the same wheel): torch resolves to ``+cpu`` and no
CUDA-only package is in the set.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:                             # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "app.py"
# Community Cloud's order of dependency files (the first one found is the only one used).
CLOUD_ORDER = ("uv.lock", "Pipfile", "environment.yml", "requirements.txt", "pyproject.toml")
PYPI = "https://pypi.org/simple"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Cloud runs on Debian Linux, x86-64: the markers under which NVIDIA's wheels are required.
CLOUD_MARKERS = {"sys_platform": "linux", "platform_system": "Linux",
                 "platform_machine": "x86_64", "os_name": "posix"}


def cuda_only(name: str) -> bool:
    """A package that only a CUDA build of torch brings (nvidia-*, cuda-*, triton)."""
    name = canonicalize_name(name)
    return name.startswith(("nvidia-", "cuda-")) or name == "triton"


def cloud_dependency_file(entrypoint: Path = ENTRYPOINT, root: Path = ROOT) -> Path | None:
    for folder in dict.fromkeys([entrypoint.parent, root]):
        for name in CLOUD_ORDER:
            if (folder / name).is_file():
                return folder / name
    return None


def pipfile() -> dict:
    return tomllib.loads((ROOT / "Pipfile").read_text())


def requirement_lines(path: Path) -> list[str]:
    """Lines of a requirements file without comments, following ``-r`` includes."""
    out = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.startswith(("-r ", "--requirement ")):
            out += requirement_lines(path.parent / line.split(maxsplit=1)[1])
        elif line:
            out.append(line)
    return out


def requirements(path: Path) -> dict[str, Requirement]:
    reqs = [Requirement(ln) for ln in requirement_lines(path) if not ln.startswith("-")]
    return {canonicalize_name(r.name): r for r in reqs}


def torch_pin() -> Version:
    (spec,) = requirements(ROOT / "requirements.txt")["torch"].specifier
    assert spec.operator == "==", spec
    return Version(spec.version)


def cpu_source_name() -> str:
    names = [s["name"] for s in pipfile()["source"] if s["url"].rstrip("/") == CPU_INDEX]
    assert len(names) == 1, f"one [[source]] with url {CPU_INDEX} expected, found {names}"
    return names[0]


def deploy_requirements() -> list[str]:
    """The Pipfile's [packages] as pip requirement lines."""
    lines = []
    for name, spec in pipfile()["packages"].items():
        version = spec["version"] if isinstance(spec, dict) else spec
        lines.append(name if version == "*" else f"{name}{version}")
    return lines


# --- which file Cloud installs -------------------------------------------------------------

def test_community_cloud_installs_the_pipfile():
    assert ENTRYPOINT.is_file()
    assert cloud_dependency_file() == ROOT / "Pipfile", (
        "Community Cloud would install " + str(cloud_dependency_file())
        + ": a uv.lock or environment.yml beside app.py or at the root shadows the Pipfile")
    assert not (ROOT / "Pipfile.lock").exists() or "+cpu" in (ROOT / "Pipfile.lock").read_text()


def test_the_pipfile_is_not_git_ignored():
    """Cloud clones the repository: an ignored Pipfile would never reach it."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", "Pipfile"], cwd=ROOT).returncode
    assert ignored == 1


def test_the_cloud_rule_picks_the_first_file_in_the_entrypoint_folder_first(tmp_path):
    """The rule the first test relies on, on a scratch tree (docs' order and folders)."""
    (tmp_path / "sub").mkdir()
    entry = tmp_path / "sub" / "app.py"
    entry.touch()
    assert cloud_dependency_file(entry, tmp_path) is None
    for name in reversed(CLOUD_ORDER):
        (tmp_path / name).touch()
        assert cloud_dependency_file(entry, tmp_path) == tmp_path / name
    (tmp_path / "sub" / "pyproject.toml").touch()
    assert cloud_dependency_file(entry, tmp_path) == tmp_path / "sub" / "pyproject.toml"


# --- what the Pipfile says ---------------------------------------------------------------

def test_pipfile_takes_torch_cpu_from_the_cpu_index_and_nothing_else():
    data = pipfile()
    assert data["source"][0]["url"].rstrip("/") == PYPI, "PyPI must be the default source"
    assert all(s["url"].startswith("https://") and s.get("verify_ssl", True)
               for s in data["source"])
    cpu = cpu_source_name()
    torch = data["packages"]["torch"]
    assert isinstance(torch, dict) and torch.get("index") == cpu, torch
    (spec,) = Requirement("torch" + torch["version"]).specifier
    assert spec.operator == "==" and Version(spec.version).local == "cpu", spec
    assert Version(spec.version).public == str(torch_pin()), "Pipfile and requirements.txt disagree"
    others = {name: spec for name, spec in data["packages"].items() if name != "torch"}
    assert all(not isinstance(s, dict) or s.get("index") in (None, data["source"][0]["name"])
               for s in others.values()), "only torch may come from the CPU index"
    assert not any(cuda_only(name) for name in data["packages"])
    assert not data.get("dev-packages")
    # Cloud's Python is whatever the deployer picks; a pin here would fight it.
    assert "python_version" not in data.get("requires", {})


# Libraries of requirements.txt that the Pipfile leaves out on purpose, and why.
LOCAL_ONLY = {
    "ray": "the study CLI's runner (240 MB installed); the hosted /study page runs its "
           "small studies in-process, without Ray",
}


def test_pipfile_lists_exactly_the_libraries_of_requirements_txt():
    local = requirements(ROOT / "requirements.txt")
    cloud = {canonicalize_name(r.name): r for r in map(Requirement, deploy_requirements())}
    assert LOCAL_ONLY.keys() <= local.keys(), "a local-only library left requirements.txt"
    assert cloud.keys() == local.keys() - LOCAL_ONLY.keys()
    for name in local.keys() - {"torch"} - LOCAL_ONLY.keys():
        assert cloud[name].specifier == local[name].specifier, name
        assert cloud[name].extras == local[name].extras, name


def test_requirements_files_use_pypi_alone():
    """The README's commands run on a machine that reaches only PyPI (this project's CI)."""
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in requirement_lines(ROOT / name):
            assert not re.match(r"(-i|-f|--(extra-)?index-url|--find-links|--trusted-host)\b",
                                line), f"{name}: {line}"
            if not line.startswith("-"):
                req = Requirement(line)
                assert req.url is None, f"{name}: {line}"
                assert all(Version(s.version).local is None for s in req.specifier
                           if s.operator in ("==", "===") and "*" not in s.version), line


# --- which packages the deploy set can bring ---------------------------------------------

def closure_on_cloud(roots: list[Requirement], stop: set[str]) -> tuple[set[str], set[str]]:
    """Names reachable from ``roots`` through installed metadata, markers evaluated for
    Cloud's platform; returns (reached, reached but not installed here)."""
    seen, missing = set(), set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in roots]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen or name in stop:
            continue
        seen.add((name, extras))
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.add(name)
            continue
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = req.marker is None or any(
                req.marker.evaluate({**CLOUD_MARKERS, "extra": extra})
                for extra in {"", *extras})
            if wanted:
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return {name for name, _ in seen} | missing, missing


def test_no_library_but_torch_brings_torch_or_a_cuda_package():
    roots = [r for r in map(Requirement, deploy_requirements()) if r.name != "torch"]
    reached, missing = closure_on_cloud(roots, stop={"torch"})
    assert "streamlit" in reached and len(reached) > 20, reached
    assert not any(cuda_only(n) for n in reached), sorted(filter(cuda_only, reached))
    # A requirement not installed here (its marker is false on this machine) is named only.
    assert len(missing) < len(reached) / 4, missing


def test_the_cpu_build_of_torch_brings_no_cuda_package():
    try:
        dist = importlib.metadata.distribution("torch")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("torch is not installed here")
    version = Version(dist.version)
    if version.local != "cpu" or version.public != str(torch_pin()):
        pytest.skip(f"torch here is {version}, not the pinned CPU build {torch_pin()}+cpu")
    reached, _ = closure_on_cloud([Requirement("torch")], stop=set())
    assert not any(cuda_only(n) for n in reached), sorted(filter(cuda_only, reached))


@pytest.mark.skipif(os.environ.get("GANLOSS_VIZ_RESOLVE_ONLINE") != "1",
                    reason="online resolution is opt-in: GANLOSS_VIZ_RESOLVE_ONLINE=1")
def test_the_deploy_set_resolves_to_cpu_torch_without_cuda_packages(tmp_path):
    index = os.environ.get("GANLOSS_VIZ_TORCH_INDEX", CPU_INDEX)
    (tmp_path / "deploy.txt").write_text("\n".join(deploy_requirements()) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull,               # no local wheel folders or mirrors
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
           "--quiet", "--report", str(tmp_path / "report.json"), "--index-url", PYPI,
           "--extra-index-url", index, "-r", str(tmp_path / "deploy.txt")]
    if index.startswith("http://"):
        cmd += ["--trusted-host", urlparse(index).netloc]
    subprocess.run(cmd, env=env, check=True, timeout=600)
    report = json.loads((tmp_path / "report.json").read_text())
    installed = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
                 for i in report["install"]}
    assert Version(installed["torch"]) == Version(f"{torch_pin()}+cpu"), installed["torch"]
    assert not any(cuda_only(n) for n in installed), sorted(filter(cuda_only, installed))


# --- the README's commands ---------------------------------------------------------------

def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_ci_runs_the_readme_test_command_verbatim():
    run, test = readme_commands()[:2]
    assert "-r requirements.txt" in run and "streamlit run app.py" in run
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_says_where_a_headless_server_is():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    intro = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("\n#", 1)[0]
    if config.get("server", {}).get("headless"):
        assert "http://localhost:8501" in intro
        assert "opens the app" not in intro
