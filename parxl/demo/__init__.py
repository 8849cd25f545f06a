"""Tools around the pipeline, not part of it: the demo, the samples and the tests use them.

``run``          a whole quarter on the bundled plan, in one call (``parxl demo``)
``simulate``     agencies filling their workbooks (openpyxl; ``pip install parxl[demo]``)
``libreoffice``  LibreOffice headless: convert, and fill returns typed through Calc
``uno_typist``   the script ``libreoffice`` runs in the system Python that has ``uno``;
                 it never imports parxl
"""
from .run import run_demo, run_year

__all__ = ["run_demo", "run_year"]
