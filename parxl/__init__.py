"""parxl: a province's quarterly reporting on its public-administration-reform plan, in Excel."""
__version__ = "0.1.0"
