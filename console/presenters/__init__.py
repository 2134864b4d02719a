"""Thin Qt presenters, one per feature: each connects the window's widgets to the
application layer (:mod:`console.application`) and the domain, shows what they return, and
imports no other presenter (checked by import-linter). The composition root
(:mod:`console.composition`) builds them through the shell (:mod:`console.app`)."""
