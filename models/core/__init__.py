"""The core of the domain: its vocabulary, errors, records, roles, coordinates, catalogue,
working time, user paths and privacy masking. Imports nothing else of models/."""
