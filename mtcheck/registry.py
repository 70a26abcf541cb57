"""One place where plug-ins are registered: signals, model backends, output formats.

A plug-in is a module in the registry's package that decorates its entry point with
``@REGISTRY.register("name")``. Adding one is adding one file: the registry imports
every module of its package the first time it is asked for a name, so nothing has to
be listed by hand, and nothing is imported at start-up (``mtcheck --help`` stays fast).

The registries are the only lists of these names: options are checked with
:meth:`Registry.check` and their help text comes from :meth:`Registry.listing`, which reads the
names from the plug-in files without importing them.

An output format also says how to tell its own output from an article
(``@formats.register("name", recognise=...)``, see :class:`FormatRegistry`), so a folder run never
reads a report back as an article.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path
from typing import Callable, Generic, TypeVar

from mtcheck.errors import InputError

T = TypeVar("T")

# ``@backends.register("openai")`` at the start of a line: how a plug-in file names itself.
_DECLARATION = re.compile(r"""^\s*@\s*[\w.]+\.register\(\s*(["'])([^"'\n]+)\1\s*[,)]""", re.M)


class Registry(Generic[T]):
    def __init__(self, kind: str, package: str, default: str | None = None):
        self.kind = kind
        self.package = package
        self.default = default  # the name used when none is chosen, if the registry has one
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

    def declared(self) -> list[str]:
        """The names the package's plug-in files register, read from their source without importing
        them (importing every plug-in would slow down ``mtcheck --help``). A test checks that this
        agrees with :meth:`names`; plug-ins registered at run time appear only in :meth:`names`."""
        spec = importlib.util.find_spec(self.package.split(".")[0])
        if spec is None or not spec.submodule_search_locations:
            return []
        found: set[str] = set()
        for root in spec.submodule_search_locations:
            folder = Path(root).joinpath(*self.package.split(".")[1:])
            for info in pkgutil.iter_modules([str(folder)]):
                module = folder / f"{info.name}.py"
                if not info.name.startswith("_") and module.is_file():
                    found.update(match.group(2) for match in _DECLARATION.finditer(module.read_text(encoding="utf-8")))
        return sorted(found)

    def listing(self, names: list[str] | None = None, mark_default: bool = True) -> str:
        """``"a (default), b, c"``: the names for help text, the default first (marked unless
        ``mark_default`` is false, e.g. when the option shows its default anyway).

        Without ``names``, the declared ones (nothing is imported)."""
        names = sorted(self.declared() if names is None else names)
        if self.default in names:
            first = f"{self.default} (default)" if mark_default else self.default
            names = [first] + [n for n in names if n != self.default]
        return ", ".join(names)

    def check(self, name: str, option: str) -> str:
        """``name`` if a plug-in has it, else an :class:`InputError` naming ``option`` and the choices."""
        known = self.names()
        if name not in known:
            raise InputError(f"unknown {option} {name!r} (choose from {', '.join(known)})")
        return name


Recogniser = Callable[[str], bool]


class FormatRegistry(Registry[Callable[..., str]]):
    """Output formats: ``render(results, options) -> str``, registered with
    ``@formats.register("name", recognise=...)``.

    ``recognise(head) -> bool`` says whether a file's text is this format's output: ``head`` is
    the file's text from its start (up to 16 KB, byte-order mark removed); for a longer file a
    line break and the whole lines of its last 4 KB follow, so a format whose marker is its last
    line (``--format text``) finds it there. mtcheck.inputs asks every format, so a folder run never
    reads a report back as an article; it must not claim ordinary articles.

    A format that declares no ``recognise`` gets :func:`mtcheck.report.header_recogniser`: its
    output is recognised by the first line it writes for no documents (a CSV header, say), when
    that line is distinctive enough (an article would have to open with that very line to be
    taken for one); a format with no such line is never recognised, so its reports are read as
    articles: the safe side, since a report read back costs false findings while an article
    skipped would go unchecked.
    """

    def __init__(self, kind: str, package: str, default: str | None = None):
        super().__init__(kind, package, default)
        self._recognisers: dict[str, Recogniser] = {}

    def register(self, name: str, recognise: Recogniser | None = None) -> Callable[[Callable[..., str]], Callable[..., str]]:
        add = super().register(name)

        def decorate(render: Callable[..., str]) -> Callable[..., str]:
            add(render)
            if recognise is not None:
                self._recognisers[name] = recognise
            else:
                self._recognisers.pop(name, None)
            return render

        return decorate

    def recogniser(self, name: str) -> Recogniser | None:
        """The ``recognise`` the format ``name`` declared, or None."""
        self.get(name)
        return self._recognisers.get(name)


signals: Registry = Registry("signal", "mtcheck.detect.signals")
backends: Registry = Registry("backend", "mtcheck.rewrite.backends", default="llama_cpp")
formats: FormatRegistry = FormatRegistry("format", "mtcheck.report.formats", default="text")
