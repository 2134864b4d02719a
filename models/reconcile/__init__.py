"""Reconciling the departments' grid layers into the unified grid.

Each department drew its own grids (the comprehensive-governance grids of the political and
legal committee, the city-maintenance grids of urban management ...), overlapping and
crossing each other and the communities. This package brings them together:

- :mod:`models.reconcile.layers`: read and check a departmental layer (GeoJSON, GeoPackage,
  Shapefile; its datum declared or detected) and generate the demo city's two departmental
  layers and their records (labelled as generated);
- :mod:`models.reconcile.crosswalk`: every departmental grid against the unified grid by area
  share, and the conflicts (areas claimed twice, areas no department covers, departmental
  grids crossing community boundaries);
- :mod:`models.reconcile.rekey`: departmental records carried onto the unified grid;
- :mod:`models.reconcile.propose`: a proposed unified grid that balances workload (its
  geometry in :mod:`models.reconcile.partition`);
- :mod:`models.reconcile.files`: the GeoPackage, the crosswalk CSV and the report.

Nothing here imports Qt; the console's reconciliation view and ``main.py reconcile`` use it.
"""
