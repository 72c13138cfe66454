"""Evidence synthesis: pairwise and network meta-analysis that reproduce R's metafor, meta and netmeta.

Pairwise: :func:`meta_analysis` pools :class:`BinaryStudy` or :class:`GenericStudy` lists.
Network: :func:`netmeta` pools :class:`Arm` lists (one row per trial arm) by the graph-theoretical method.
Methods, defaults and the R behaviours they reproduce are documented in each module.
"""

from lncare.evidence.effects import BinaryStudy, Effects, GenericStudy, binary_effects, generic_study_from_ci
from lncare.evidence.meta import MetaResult, meta_analysis
from lncare.evidence.netmetabin import MHNetwork, netmetabin_mh
from lncare.evidence.netsplit import Split, netsplit
from lncare.evidence.nma import Estimate, NetworkFit, NetworkResult, netmeta
from lncare.evidence.pairwise import Arm, Contrast, ContrastSet, pairwise

__all__ = [
    "Arm",
    "BinaryStudy",
    "Contrast",
    "ContrastSet",
    "Effects",
    "Estimate",
    "GenericStudy",
    "MHNetwork",
    "MetaResult",
    "NetworkFit",
    "NetworkResult",
    "Split",
    "binary_effects",
    "generic_study_from_ci",
    "meta_analysis",
    "netmeta",
    "netmetabin_mh",
    "netsplit",
    "pairwise",
]
