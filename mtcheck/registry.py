"""One place where plug-ins are registered: signals, model backends, output formats.

A plug-in is a module in the registry's package that decorates its entry point with
``@REGISTRY.register("name")``. Adding one is adding one file: the registry imports
every module of its package the first time it is asked for a name, so nothing has to
be listed by hand, and nothing is imported at start-up (``mtcheck --help`` stays fast).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, package: str):
        self.kind = kind
        self.package = package
        self._items: dict[str, T] = {}
        self._discovered = False

    def register(self, name: str) -> Callable[[T], T]:
        def decorate(item: T) -> T:
            if name in self._items and self._items[name] is not item:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[name] = item
            return item

        return decorate

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        pkg = importlib.import_module(self.package)
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{self.package}.{info.name}")

    def get(self, name: str) -> T:
        self._discover()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        self._discover()
        return sorted(self._items.items())


signals: Registry = Registry("signal", "mtcheck.detect.signals")
backends: Registry = Registry("backend", "mtcheck.rewrite.backends")
formats: Registry = Registry("format", "mtcheck.report.formats")
