"""Use cases: what a person can ask edabot to do, whichever edge (Slack, REST, CLI) they ask through.

Each entry point takes keyword-only arguments and the Actor asking, decides authorisation once (core.authz),
opens its own unit of work, and returns plain results; refusals are EdabotError subclasses. The modules
below them (core.users, core.credentials, core.registration, core.ingest…) do the work without asking who.
"""
