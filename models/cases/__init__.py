"""Cases: the case service, the six-step loop, the queue and its columns, spans, photos
and case files."""
