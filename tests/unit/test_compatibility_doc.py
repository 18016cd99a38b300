"""docs/compatibility.md lists exactly what tox runs and the versions the constraints pin."""

import configparser
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")


def tox_envs() -> set[str]:
    """The test envs of tox.ini's envlist, braces expanded (``py{311,312}-django{42,52}``)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tox.ini")
    envs = set()
    for item in re.split(r",\s*(?![^{]*})", config["tox"]["envlist"]):
        parts = re.findall(r"([^{]*)(?:\{([^}]*)\})?", item.strip())
        choices = [[prefix + option for option in (group.split(",") if group else [""])] for prefix, group in parts]
        envs.update("".join(combo) for combo in itertools.product(*choices))
    return {env for env in envs if env.startswith("py")}


def test_every_tox_env_is_in_the_table_and_no_other():
    documented = set(re.findall(r"`(py\d+-django\d+)`", DOC))
    assert documented == tox_envs()


def test_the_pinned_xblock_and_sdk_versions_are_the_documented_ones():
    constraints = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    for package in ("XBlock", "xblock-sdk"):
        for version in re.findall(rf"^{package}==([\d.]+)", constraints, re.M):
            assert f"| {version} |" in DOC, (package, version)
