"""The plans bundled with parxl, one folder each (plan.toml and its agencies.toml).

setup.cfg installs this folder as the package ``parxl.plans`` so that an installed parxl finds them
with importlib.resources (see parxl/bundled.py); this file only makes it a package.
"""
