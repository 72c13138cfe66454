"""lncare: decision support for lupus nephritis.

The public API grows with the package: calculators live in :mod:`lncare.calc`, the patient record in
:mod:`lncare.model`, the knowledge base in :mod:`lncare.knowledge`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lncare")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
