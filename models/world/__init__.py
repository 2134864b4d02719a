"""The world the cases happen in: administrative units, grids (index, files), staff,
sensors, base-map tiles and the city's extent."""
