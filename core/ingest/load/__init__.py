"""Loading parsed reports: the canonical schema, COPY writers, the run tables, the per-user child process."""
