"""tutor-contrib-sessionroom: the Tutor plugin that installs and configures Session Room."""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def version():
    """The plugin's version (also the default pin of sessionroom-xblock), without importing the plugin."""
    with open(os.path.join(HERE, "tutorsessionroom", "__init__.py"), encoding="utf-8") as handle:
        return re.search(r'^__version__ = "([^"]+)"', handle.read(), re.M).group(1)


setup(
    name="tutor-contrib-sessionroom",
    version=version(),
    description="Tutor plugin for Session Room, 1-on-1 tutoring rooms for Open edX",
    license="AGPL-3.0-only",
    packages=find_packages(),
    python_requires=">=3.9",
    # Ulmo (Tutor 21) and Verawood (Tutor 22): both have the patches used and the Dockerfile's $PIP_COMMAND.
    install_requires=["tutor>=21.0.0,<23"],
    entry_points={"tutor.plugin.v1": ["sessionroom = tutorsessionroom.plugin"]},
)
