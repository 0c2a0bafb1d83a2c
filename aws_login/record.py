"""`record`: frozen value classes, like `@dataclass(frozen=True)` but cheap to define.

aws-login runs as a `credential_process` for every new process an SDK starts, so its start-up
time matters. Importing `dataclasses` costs about 7 ms (it pulls in `inspect`) and each
dataclass another 0.5 ms (its methods are generated with `exec`); the hot-path data types
are defined with this instead, which builds the same methods from closures in microseconds.
Modules that only run on network paths (where botocore dominates) may keep dataclasses.

    @record
    class Token:
        value: str = field(repr=False)   # a secret: never shown by repr()
        expires: int = 0

Each record class carries its fields for generic code (`replace`, derived cache keys):
`__record_fields__` names every field in order; `__record_key__` holds `(name, secret)` for
each field that belongs in a derived key (see `field`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 has no dataclass_transform at run time
    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator

T = TypeVar("T")
_MISSING: Any = object()


class _Field:
    __slots__ = ("default", "in_key", "repr")

    def __init__(self, default: Any, repr: bool, in_key: bool) -> None:
        self.default = default
        self.repr = repr
        self.in_key = in_key


def field(*, default: Any = _MISSING, repr: bool = True, in_key: bool = True) -> Any:
    """A field with options.

    repr=False marks a secret: repr() never shows it, and a key derived from the record (the
    credentials cache's) holds only its SHA-256 digest.
    in_key=False leaves the field out of derived keys altogether. Only for a value that does
    not decide the result and changes between otherwise identical requests (the one-time MFA
    code); any other field left out could make two different requests share a cache entry.
    """
    return _Field(default, repr, in_key)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    # Only this class's own annotations (records do not inherit fields); inspect is what we
    # avoid importing.
    names = tuple(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063
    defaults: dict[str, Any] = {}
    shown: list[str] = []
    key: list[tuple[str, bool]] = []  # (name, secret) of the fields in derived keys
    for name in names:
        value = cls.__dict__.get(name, _MISSING)
        show = in_key = True
        if isinstance(value, _Field):
            show, in_key, value = value.repr, value.in_key, value.default
            if value is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value)
        if value is not _MISSING:
            defaults[name] = value
        elif defaults:
            raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one "
                            "with a default")
        if show:
            shown.append(name)
        if in_key:
            key.append((name, not show))

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments")
        values = dict(zip(names, args, strict=False))  # fewer args than names is fine
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{cls.__name__}() got an unexpected or repeated argument "
                                f"{name!r}")
            values[name] = value
        for name in names:
            if name in values:
                object.__setattr__(self, name, values[name])
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                raise TypeError(f"{cls.__name__}() is missing the argument {name!r}")

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise AttributeError(f"{cls.__name__} is frozen; use record.replace()")

    def __delattr__(self: Any, name: str) -> None:
        raise AttributeError(f"{cls.__name__} is frozen; use record.replace()")

    def __repr__(self: Any) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{cls.__name__}({fields})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in names)

    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, name) for name in names))

    for method in (__init__, __setattr__, __delattr__, __repr__, __eq__, __hash__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    cls.__record_fields__ = names  # type: ignore[attr-defined]
    cls.__record_key__ = tuple(key)  # type: ignore[attr-defined]
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record `obj` with some fields changed."""
    names: tuple[str, ...] = obj.__record_fields__  # type: ignore[attr-defined]
    values = {name: getattr(obj, name) for name in names}
    values.update(changes)
    return type(obj)(**values)
