"""The domain of CityGrid Console: administrative units, grids, staff, cases and their storage.

Nothing in this package imports Qt or any UI module (checked by import-linter in the tests),
so every part of it runs headless, from the command line and from tests.
"""
