"""The clinical engine: patient record -> assessment -> plan, pure and deterministic (DESIGN.md)."""

from lncare.engine.recommend import assess, context, recommend

__all__ = ["assess", "context", "recommend"]
