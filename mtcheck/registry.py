"""One place where plug-ins are registered: signals, model backends, output formats.

A plug-in is a module in the registry's package that decorates its entry point with
``@REGISTRY.register("name")``. Adding one is adding one file: the registry imports
every module of its package the first time it is asked for a name, so nothing has to
be listed by hand, and nothing is imported at start-up (``mtcheck --help`` stays fast).

A plug-in can also come from another distribution, through the registry's entry-point group
(``mtcheck.signals``, ``mtcheck.backends``, ``mtcheck.formats``; interference rules: ``mtcheck.rules``,
loaded by ``mtcheck.detect.rules``), as spaCy and pytest do. The entry point's name is the plug-in's
name and its object the plug-in itself (a signal class, a backend factory, a render function), or a
module that registers itself with the decorator. One that cannot be imported or is of the wrong type
costs one warning line naming it (:func:`broken`); the rest work. ``mtcheck plugins`` lists them all.

The registries are the only lists of these names: options are checked with
:meth:`Registry.check` and their help text comes from :meth:`Registry.listing`, which reads the
names from the plug-in files without importing them (plug-ins from other distributions are
accepted by the options and listed by ``mtcheck plugins``, not in ``--help``: reading the installed
packages' metadata would slow every start-up).

An output format also says how to tell its own output from an article
(``@formats.register("name", recognise=...)``, see :class:`FormatRegistry`), so a folder run never
reads a report back as an article. An outside format does the same: its ``mtcheck.formats`` entry
point names either a module that registers itself with that decorator, or the render function
itself carrying its recogniser as a ``recognise`` attribute (``render.recognise = recognise``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Generic, NamedTuple, TypeVar

from mtcheck.errors import InputError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

T = TypeVar("T")
BUILT_IN = "built-in"


class Plugin(NamedTuple):
    """One line of ``mtcheck plugins``."""

    kind: str
    name: str
    origin: str  # BUILT_IN, or the distribution's "name version"


@lru_cache(maxsize=None)
def entry_points(group: str) -> tuple["EntryPoint", ...]:
    """The installed distributions' entry points in ``group``, by name (read once per process)."""
    from importlib.metadata import entry_points as installed

    return tuple(sorted(installed(group=group), key=lambda ep: ep.name))


def origin(ep: "EntryPoint") -> str:
    """Where an entry point comes from: its distribution's name and version."""
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else ep.value


def broken(kind: str, ep: "EntryPoint", why: str) -> None:
    """One warning line naming the broken plug-in; never a traceback, and the run goes on."""
    from mtcheck import console

    console.warn_once(f"plugin:{ep.group}:{ep.name}", f"{kind} plug-in {ep.name!r} ({ep.value}, from {origin(ep)}) is skipped: {why}")


def load_entry_point(kind: str, ep: "EntryPoint") -> Any | None:
    """The entry point's object, or None (and a :func:`broken` line) when it cannot be imported."""
    try:
        return ep.load()
    except Exception as err:  # a plug-in's own bug (any import error) must not stop mtcheck
        broken(kind, ep, f"cannot be loaded ({type(err).__name__}: {err})")
        return None

# ``@backends.register("openai")`` at the start of a line: how a plug-in file names itself.
_DECLARATION = re.compile(r"""^\s*@\s*[\w.]+\.register\(\s*(["'])([^"'\n]+)\1\s*[,)]""", re.M)


class Registry(Generic[T]):
    def __init__(self, kind: str, package: str, default: str | None = None, group: str | None = None,
                 accepts: Callable[[Any], bool] = callable, expected: str = "a callable"):
        self.kind = kind
        self.package = package
        self.default = default  # the name used when none is chosen, if the registry has one
        self.group = group  # the entry-point group outside distributions add plug-ins through
        self.accepts = accepts  # whether an entry point's object is a plug-in of this kind
        self.expected = expected  # what it should be, for the warning when it is not
        self._items: dict[str, T] = {}
        self._origins: dict[str, str] = {}
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
        if self.group is not None:
            for ep in entry_points(self.group):
                self._add_entry_point(ep)

    def _add_entry_point(self, ep: "EntryPoint") -> None:
        before = set(self._items)
        item = load_entry_point(self.kind, ep)
        if item is None:
            return
        if not isinstance(item, ModuleType):  # the plug-in itself, named by its entry point
            if not self.accepts(item):
                broken(self.kind, ep, f"{ep.value} is not {self.expected}")
                return
            if self._items.get(ep.name, item) is not item:
                broken(self.kind, ep, f"the name {ep.name!r} is taken")
                return
            self._items[ep.name] = item
        elif ep.name not in self._items:  # a module that should have registered itself
            broken(self.kind, ep, f"module {ep.value} registers no {self.kind} named {ep.name!r}")
            return
        for name in set(self._items) - before | {ep.name}:
            self._origins[name] = origin(ep)

    def plugins(self) -> list[Plugin]:
        """Every plug-in of this registry and where it comes from (built in, or a distribution)."""
        return [Plugin(self.kind, name, self._origins.get(name, BUILT_IN)) for name in self.names()]

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

    def __init__(self, kind: str, package: str, default: str | None = None, group: str | None = None):
        super().__init__(kind, package, default, group=group, accepts=_is_format,
                         expected="a render function (its recognise, if any, a callable attribute)")
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

    def _add_entry_point(self, ep: "EntryPoint") -> None:
        """An entry point naming the render function itself declares its recogniser as the function's
        ``recognise`` attribute (a module registers itself with ``recognise=`` instead)."""
        super()._add_entry_point(ep)
        render = self._items.get(ep.name)
        recognise = getattr(render, "recognise", None)
        if recognise is not None and self._origins.get(ep.name) and ep.name not in self._recognisers:
            self._recognisers[ep.name] = recognise

    def recogniser(self, name: str) -> Recogniser | None:
        """The ``recognise`` the format ``name`` declared, or None."""
        self.get(name)
        return self._recognisers.get(name)


def _is_signal(item: Any) -> bool:
    return isinstance(item, type) and callable(getattr(item, "run", None))


def _is_format(item: Any) -> bool:
    """A render function (not a class), whose ``recognise`` attribute, if it has one, is callable."""
    return callable(item) and not isinstance(item, type) and callable(getattr(item, "recognise", callable))


def _is_backend(item: Any) -> bool:
    return callable(item) and (not isinstance(item, type) or callable(getattr(item, "generate", None)))


signals: Registry = Registry("signal", "mtcheck.detect.signals", group="mtcheck.signals", accepts=_is_signal,
                             expected="a signal class (with a run method)")
backends: Registry = Registry("backend", "mtcheck.rewrite.backends", default="llama_cpp", group="mtcheck.backends", accepts=_is_backend,
                              expected="a backend class (with a generate method) or factory")
formats: FormatRegistry = FormatRegistry("format", "mtcheck.report.formats", default="text", group="mtcheck.formats")
