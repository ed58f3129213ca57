"""Compile feedd's extraction stages to C extensions with mypyc, each beside its source.

Run by `make` (python tools/compile.py feedd/dates.py ...). Python imports a compiled module before
its .py; `make pure` removes them. The modules share one runtime library, named inside the package
(feedd/native__mypyc...so) so that feedd imports from any working directory.
"""

from __future__ import annotations

import sys

from mypyc.build import mypycify
from setuptools import setup


def main(sources: list[str]) -> None:
    setup(
        name="feedd-native",
        ext_modules=mypycify(sources, opt_level="3", group_name="feedd.native"),
        script_args=["--quiet", "build_ext", "--inplace"],
    )


if __name__ == "__main__":
    main(sys.argv[1:])
