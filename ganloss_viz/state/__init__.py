"""Page state <-> URL query parameters, and the named presets used in talks.

This package imports neither Streamlit nor torch at import time (the entry script
reads the presets for its sidebar); spec strings and divergence names are validated
lazily with the library.
"""

from .explorer import (
    DEFAULT_DIV,
    DEFAULT_P,
    DEFAULT_Q,
    EXPLORER_FIELDS,
    GRID,
    MAX_LR,
    MAX_VS,
    POINTS,
    STEPS,
    VIEWS,
    ExplorerState,
)
from .fields import Field, number_text, state_from_query_params, state_to_query_params
from .params import allowed, default_range, parameters
from .presets import PRESETS, Preset

__all__ = [
    "DEFAULT_DIV", "DEFAULT_P", "DEFAULT_Q", "EXPLORER_FIELDS", "GRID", "MAX_LR", "MAX_VS",
    "POINTS", "PRESETS", "STEPS", "VIEWS", "ExplorerState", "Field", "Preset", "allowed",
    "default_range", "number_text", "parameters", "state_from_query_params",
    "state_to_query_params",
]
