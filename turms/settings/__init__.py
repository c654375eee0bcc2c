"""Settings: one declarative registry of every setting, and its loader.

Each section module (``server``, ``gateway``, ``storage`` …) declares its settings at import time. Importing
this package imports every module in it, so the registry is always complete: a new section is a new module,
with no list to keep in step. Code reads a section as ``from turms.settings import gateway``. May import only
the standard library and ``turms.settings.*``.
"""

from __future__ import annotations

import importlib
import pkgutil

from turms.settings.loader import Settings, load_settings, parse_flag, value_or_file
from turms.settings.registry import REGISTRY, Setting, SettingsError, list_setting, setting

_MACHINERY = frozenset({"loader", "registry", "render"})


def _import_sections() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name not in _MACHINERY:
            importlib.import_module(f"{__name__}.{info.name}")


_import_sections()

__all__ = [
    "REGISTRY",
    "Setting",
    "Settings",
    "SettingsError",
    "list_setting",
    "load_settings",
    "parse_flag",
    "setting",
    "value_or_file",
]
