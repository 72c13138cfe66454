"""lncare's HTTP service: REST over the engine and the knowledge base, CDS Hooks for EHRs.

:func:`lncare.service.app.create_app` builds the FastAPI app from :class:`~lncare.service.settings.Settings`;
``lncare serve`` runs it with uvicorn. Imported lazily by the CLI so plain commands stay fast.
"""
