"""Training drills: a copy of the world, scripted injects, the session and its score."""
