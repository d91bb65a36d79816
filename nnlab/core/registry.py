"""Name → class registries, one per family (activations, initializers, losses, ...).

A YAML spec is a name (``relu``) or a mapping with a name and parameters
(``{name: leaky_relu, alpha: 0.2}``). `Registry.get` turns either into an instance and fails with
a message naming the closest valid name or parameter.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ..errors import ConfigError, closest

T = TypeVar("T")


class Component:
    """Mixin for registered classes: ``config()`` and a repr listing non-default parameters.

    Subclasses set ``registry`` to their family's `Registry`; ``name`` is set on registration.
    """

    name: str = "component"
    registry: Registry[Any]

    def config(self) -> dict[str, Any]:
        """Constructor parameters and their current values (``get`` rebuilds from this)."""
        return {k: getattr(self, k) for k in self.registry.params(self.name)}

    def __repr__(self) -> str:
        defaults = self.registry.params(self.name)
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if v != defaults.get(k))
        return f"{self.name}({args})" if args else self.name


def _type_problem(value: Any, default: Any) -> str | None:
    """Why ``value`` cannot stand where the parameter's default is ``default`` (None if it can)."""
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif isinstance(default, (int, float)):
        ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
        if ok and not math.isfinite(value):
            ok, kind = False, "a finite number"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "a string"
    else:
        return None
    return None if ok else f"expected {kind}, got {value!r}"


def _keyed(err: ConfigError, key: str) -> ConfigError:
    """Attach the offending sub-key so config errors can point at its YAML line."""
    err.key = key  # type: ignore[attr-defined]
    return err


@functools.cache
def _init_params(cls: type) -> dict[str, Any]:
    """``cls.__init__``'s parameters and defaults, read once per class: every checkpoint asks
    for a network's spec, and ``inspect.signature`` of a builtin ``__init__`` costs ≈ 0.2 ms."""
    sig = inspect.signature(cls.__init__)
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in list(sig.parameters.values())[1:]
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


class Registry(Generic[T]):
    """Maps names (and aliases) to classes of one family."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._classes: dict[str, type[T]] = {}
        self._canonical: dict[str, str] = {}

    def register(self, name: str, *aliases: str) -> Callable[[type[T]], type[T]]:
        """Class decorator: ``@ACTIVATIONS.register("relu")``; sets ``cls.name``."""

        def decorate(cls: type[T]) -> type[T]:
            cls.name = name  # type: ignore[attr-defined]
            for key in (name, *aliases):
                self._classes[key] = cls
                self._canonical[key] = name
            return cls

        return decorate

    def names(self, aliases: bool = False) -> list[str]:
        """Registered names, canonical ones only unless ``aliases``."""
        if aliases:
            return list(self._classes)
        return list(dict.fromkeys(self._canonical.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def split(self, spec: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """(canonical name, params) of a spec, checking the name and the parameter names."""
        if isinstance(spec, str):
            name, params = spec, {}
        elif isinstance(spec, Mapping) and "name" in spec:
            name, params = spec["name"], {k: v for k, v in spec.items() if k != "name"}
        else:
            raise ConfigError(
                f"expected a {self.family} name or a mapping with 'name', got {spec!r}"
            )
        if not isinstance(name, str) or name not in self._classes:
            raise _keyed(
                ConfigError(
                    f"unknown {self.family} '{name}'{closest(str(name), self.names(True))}; "
                    f"valid: {', '.join(self.names())}"
                ),
                "name" if isinstance(spec, Mapping) else "",
            )
        allowed = self.params(name)
        for key in params:
            if key not in allowed:
                hint = closest(key, list(allowed))
                valid = ", ".join(allowed) or "none"
                raise _keyed(
                    ConfigError(
                        f"{self.family} '{name}' has no parameter '{key}'{hint}; valid: {valid}"
                    ),
                    key,
                )
            problem = _type_problem(params[key], allowed[key])
            if problem:
                raise _keyed(ConfigError(f"{self.family} '{name}': {key}: {problem}"), key)
        return self._canonical[name], dict(params)

    def params(self, name: str) -> dict[str, Any]:
        """Constructor parameters of ``name`` with their defaults."""
        return dict(_init_params(self._classes[name]))

    def resolve(self, spec: str | Mapping[str, Any]) -> dict[str, Any]:
        """The spec with every parameter filled in: ``{name: ..., param: value, ...}``."""
        name, params = self.split(spec)
        return {"name": name, **{**self.params(name), **params}}

    def get(self, spec: str | Mapping[str, Any] | T) -> T:
        """An instance from a name, a ``{name:, **params}`` mapping, or an instance (returned)."""
        if not isinstance(spec, (str, Mapping)):
            return spec
        name, params = self.split(spec)
        try:
            return self._classes[name](**params)
        except (TypeError, ValueError) as err:
            first = str(err).split(" ", 1)[0].strip(":'")
            raise _keyed(ConfigError(f"{self.family} '{name}': {err}"),
                         first if first in params else "") from None
