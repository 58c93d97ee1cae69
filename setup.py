"""The package list, which pyproject.toml cannot compute: the import package's own subpackages found on disk, plus
the shipped folders that [tool.setuptools.package-dir] maps into it from the top of the repository."""

from setuptools import find_packages, setup

PACKAGE = "procflow"  # the import name; the source folder is engine/ whatever the import name is
SHIPPED = ("processes", "schemas", "doc_templates")

setup(
    packages=[
        *(name.replace("engine", PACKAGE, 1) for name in find_packages(include=["engine", "engine.*"])),
        *(f"{PACKAGE}.{folder}" for folder in SHIPPED),
    ]
)
