"""The REST API (FastAPI): `app.build_api(services)` builds it, `server.ApiServer` serves it on a thread."""
