"""Training drills: a copy of the world, scripted injects, the session and its score.

* :mod:`models.drills.world`: :func:`~models.drills.world.create_drill_db`, the drill's own
  SQLite database holding a copy of the live world, never the live city itself.
* :mod:`models.drills.injects`: the scripted events
  (:func:`~models.drills.injects.load_injects`).
* :mod:`models.drills.session`: :class:`~models.drills.session.DrillSession` releases them
  as their time comes, and the trainer's own.
* :mod:`models.drills.scoring`: :func:`~models.drills.scoring.score_drill`, the score on the
  city's own indicators.

Typical use::

    drill = create_drill_db(live, data_dir() / "drills" / "2026-03-09-night.sqlite3")
    session = DrillSession(drill, load_injects(path), start=utcnow())
    for item in session.due(utcnow()):      # on a timer
        session.inject(item, utcnow())
    ...                                     # the trainee accepts and dispatches
    score = score_drill(drill, router=Router(EscalationGraph.from_db(drill)))
"""
