"""tutor-contrib-sessionroom: the Tutor plugin that installs and configures Session Room."""

from setuptools import find_packages, setup

setup(
    name="tutor-contrib-sessionroom",
    version="0.1.0",
    description="Tutor plugin for Session Room, 1-on-1 tutoring rooms for Open edX",
    license="AGPL-3.0-only",
    packages=find_packages(),
    python_requires=">=3.9",
    install_requires=["tutor>=22.0.0,<23"],  # Verawood: the openedx Dockerfile has $PIP_COMMAND
    entry_points={"tutor.plugin.v1": ["sessionroom = tutorsessionroom.plugin"]},
)
