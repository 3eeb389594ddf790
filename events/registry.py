"""Event types: stable names, schema versions, payload codecs and upcasters.

An event type is a frozen dataclass decorated with ``@event_type("Name", version=N)``.
The stored name never depends on the Python import path, so modules can move.
Payload fields are encoded from their annotations (str, int, bool, Decimal, date,
datetime, UUID, Enum, ``X | None``, ``tuple[X, ...]``, ``dict``, nested dataclasses);
a value that does not match its annotation is an ``InvalidPayload`` before anything
is written. Stored payloads of older versions go through upcasters on read.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from events.errors import InvalidPayload, UnknownEventType

Encoder = Callable[[typing.Any], typing.Any]
Decoder = Callable[[typing.Any], typing.Any]
Upcaster = Callable[[dict], dict]


class _FieldError(Exception):
    """Internal: one field's value does not match its annotation."""


def _fail(expected: str, value: object) -> typing.NoReturn:
    raise _FieldError(f"attendu {expected}, reçu {type(value).__name__} {value!r:.60}")


def _codec_for(annotation: typing.Any) -> tuple[Encoder, Decoder]:
    """Build (encode, decode) functions for one annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1 or type(None) not in typing.get_args(annotation):
            raise TypeError(f"only Optional unions are supported, got {annotation!r}")
        enc, dec = _codec_for(args[0])
        return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))
    if origin is tuple:
        args = typing.get_args(annotation)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is supported, got {annotation!r}")
        enc, dec = _codec_for(args[0])

        def encode_tuple(v):
            if not isinstance(v, tuple | list):
                _fail("une liste", v)
            return [enc(x) for x in v]

        def decode_tuple(v):
            if not isinstance(v, list):
                _fail("une liste", v)
            return tuple(dec(x) for x in v)

        return encode_tuple, decode_tuple
    if origin is dict or annotation is dict:

        def same_dict(v):
            if not isinstance(v, dict):
                _fail("un objet", v)
            return dict(v)

        return same_dict, same_dict
    if dataclasses.is_dataclass(annotation):
        codec = PayloadCodec(annotation)
        return codec.encode, codec.decode
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_codec(annotation)
    try:
        return _SCALARS[annotation]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported payload annotation {annotation!r}") from None


def _enum_codec(cls: type[enum.Enum]) -> tuple[Encoder, Decoder]:
    def encode(v):
        if not isinstance(v, cls):
            try:
                v = cls(v)
            except ValueError:
                _fail(f"une valeur de {cls.__name__}", v)
        return v.value

    def decode(v):
        try:
            return cls(v)
        except ValueError:
            _fail(f"une valeur de {cls.__name__}", v)

    return encode, decode


def _strict(kind: type, label: str, exclude: type | None = None) -> Encoder:
    def check(v):
        if not isinstance(v, kind) or (exclude is not None and isinstance(v, exclude)):
            _fail(label, v)
        return v

    return check


def _encode_decimal(v):
    if not isinstance(v, Decimal) or not v.is_finite():
        _fail("un nombre décimal fini", v)
    return str(v)


def _decode_decimal(v):
    if not isinstance(v, str):
        _fail("un nombre décimal en texte", v)
    return Decimal(v)


def _encode_date(v):
    if not isinstance(v, date) or isinstance(v, datetime):
        _fail("une date", v)
    return v.isoformat()


def _decode_date(v):
    try:
        return date.fromisoformat(v)
    except (TypeError, ValueError):
        _fail("une date AAAA-MM-JJ", v)


def _encode_datetime(v):
    if not isinstance(v, datetime) or v.tzinfo is None:
        _fail("un horodatage avec fuseau", v)
    return v.isoformat()


def _decode_datetime(v):
    try:
        return datetime.fromisoformat(v)
    except (TypeError, ValueError):
        _fail("un horodatage ISO 8601", v)


def _encode_uuid(v):
    if not isinstance(v, UUID):
        _fail("un identifiant UUID", v)
    return str(v)


def _decode_uuid(v):
    try:
        return UUID(v)
    except (TypeError, ValueError, AttributeError):
        _fail("un identifiant UUID", v)


_SCALARS: dict[typing.Any, tuple[Encoder, Decoder]] = {
    str: (_strict(str, "un texte"), _strict(str, "un texte")),
    int: (_strict(int, "un entier", bool), _strict(int, "un entier", bool)),
    bool: (_strict(bool, "un booléen"), _strict(bool, "un booléen")),
    Decimal: (_encode_decimal, _decode_decimal),
    date: (_encode_date, _decode_date),
    datetime: (_encode_datetime, _decode_datetime),
    UUID: (_encode_uuid, _decode_uuid),
}


class PayloadCodec:
    """Encodes a dataclass instance to a JSON-safe dict and back, checking types."""

    def __init__(self, cls: type):
        self.cls = cls
        self._fields: list[tuple[str, Encoder, Decoder, bool]] | None = None

    def _compiled(self) -> list[tuple[str, Encoder, Decoder, bool]]:
        # Built lazily: annotations may name classes defined after the decorator runs.
        if self._fields is None:
            hints = typing.get_type_hints(self.cls)
            compiled = []
            for f in dataclasses.fields(self.cls):
                enc, dec = _codec_for(hints[f.name])
                has_default = (
                    f.default is not dataclasses.MISSING
                    or f.default_factory is not dataclasses.MISSING
                )
                compiled.append((f.name, enc, dec, has_default))
            self._fields = compiled
        return self._fields

    def _encode_fields(self, obj) -> tuple[dict, dict[str, str]]:
        if not isinstance(obj, self.cls):
            _fail(self.cls.__name__, obj)
        out, problems = {}, {}
        for name, enc, _dec, _ in self._compiled():
            try:
                out[name] = enc(getattr(obj, name))
            except _FieldError as exc:
                problems[name] = str(exc)
        return out, problems

    def encode(self, obj) -> dict:
        out, problems = self._encode_fields(obj)
        if problems:
            raise _FieldError("; ".join(f"{k} : {v}" for k, v in problems.items()))
        return out

    def encode_checked(self, obj, type_name: str) -> dict:
        out, problems = self._encode_fields(obj)
        if problems:
            raise InvalidPayload(type_name, problems)
        return out

    def decode(self, payload):
        if not isinstance(payload, dict):
            _fail("un objet", payload)
        kwargs, problems = {}, {}
        for name, _enc, dec, has_default in self._compiled():
            if name not in payload:
                if not has_default:
                    problems[name] = "champ manquant"
                continue
            try:
                kwargs[name] = dec(payload[name])
            except _FieldError as exc:
                problems[name] = str(exc)
        if problems:
            raise _FieldError("; ".join(f"{k} : {v}" for k, v in problems.items()))
        return self.cls(**kwargs)

    def decode_checked(self, payload: dict, type_name: str):
        try:
            return self.decode(payload)
        except _FieldError as exc:
            raise InvalidPayload(type_name, {"contenu": str(exc)}) from None


@dataclasses.dataclass(frozen=True)
class EventSpec:
    """What the registry knows of one event type."""

    name: str
    version: int
    cls: type
    codec: PayloadCodec
    effective_field: str | None


class EventRegistry:
    """Maps stable event type names to classes, codecs and upcasters."""

    def __init__(self):
        self._by_name: dict[str, EventSpec] = {}
        self._by_class: dict[type, EventSpec] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(
        self, cls: type, name: str, version: int = 1, effective_field: str | None = None
    ) -> type:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        if name in self._by_name and self._by_name[name].cls is not cls:
            raise ValueError(f"event type name {name!r} is already registered")
        if version < 1:
            raise ValueError("schema versions start at 1")
        spec = EventSpec(name, version, cls, PayloadCodec(cls), effective_field)
        self._by_name[name] = spec
        self._by_class[cls] = spec
        return cls

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function turning a payload of ``from_version`` into ``from_version + 1``."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return decorate

    def spec_for_class(self, cls: type) -> EventSpec:
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventType(cls.__name__) from None

    def spec(self, name: str) -> EventSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def encode(self, event) -> tuple[EventSpec, dict]:
        """Return the spec and the JSON-safe payload of an event object."""
        spec = self.spec_for_class(type(event))
        return spec, spec.codec.encode_checked(event, spec.name)

    def upcast(self, name: str, version: int, payload: dict) -> dict:
        spec = self.spec(name)
        while version < spec.version:
            try:
                step = self._upcasters[(name, version)]
            except KeyError:
                raise InvalidPayload(
                    name, {"version": f"aucun convertisseur depuis la version {version}"}
                ) from None
            payload = step(dict(payload))
            version += 1
        if version > spec.version:
            raise InvalidPayload(
                name, {"version": f"version {version} plus récente que le code ({spec.version})"}
            )
        return payload

    def decode(self, name: str, version: int, payload: dict):
        """Upcast a stored payload to the current version and build the event object."""
        spec = self.spec(name)
        if version != spec.version:
            payload = self.upcast(name, version, payload)
        return spec.codec.decode_checked(payload, name)

    def missing_upcasters(self) -> list[tuple[str, int]]:
        """Every (name, version) step that has no upcaster: must be empty."""
        return [
            (spec.name, v)
            for spec in self._by_name.values()
            for v in range(1, spec.version)
            if (spec.name, v) not in self._upcasters
        ]


REGISTRY = EventRegistry()


def event_type(name: str, version: int = 1, effective_field: str | None = None):
    """Class decorator registering a frozen dataclass as an event type in ``REGISTRY``."""

    def decorate(cls: type) -> type:
        return REGISTRY.register(cls, name, version, effective_field)

    return decorate
