"""The web page for clinicians at ``/``: patient form, plan, trajectories and evidence, in English and
Simplified Chinese. Plain HTML, CSS and JavaScript written for lncare (static/), no CDN, nothing third-party.
"""

from lncare.service.web.routes import router

__all__ = ["router"]
