"""What the platform's operator reads: the readiness probe (/readyz) and the Prometheus metrics
(/metrics). It belongs to the composition root: it reads every app, and no app imports it."""
