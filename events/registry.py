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
import inspect
import json
import keyword
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from uuid import UUID

from events.errors import InvalidPayload, UnknownEventType

Encoder = Callable[[typing.Any], typing.Any]
Decoder = Callable[[typing.Any], typing.Any]
Emitter = Callable[[typing.Any], str]  # a value to its JSON text, checked like its Encoder
Upcaster = Callable[[dict], dict]


class _FieldError(Exception):
    """Internal: one field's value does not match its annotation."""


def _fail(expected: str, value: object) -> typing.NoReturn:
    raise _FieldError(f"attendu {expected}, reçu {type(value).__name__} {value!r:.60}")


def _json_value(v) -> str:
    """JSON text of an encoded value, exactly as ``json.dumps`` writes it."""
    if type(v) is str:
        return encode_basestring_ascii(v)
    if type(v) is int:
        return int.__repr__(v)
    return json.dumps(v)


def _emit_text(enc: Encoder) -> Emitter:
    # For encoders that return a str: json.dumps writes a str with this very function.
    return lambda v: encode_basestring_ascii(enc(v))


def _codec_for(annotation: typing.Any) -> tuple[Encoder, Decoder, Emitter]:
    """Build (encode, decode, emit) functions for one annotation.

    ``emit(v)`` is ``json.dumps(encode(v))`` (same text, same checks), built so that a
    payload's JSON text costs no second walk over an intermediate dict.
    """
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1 or type(None) not in typing.get_args(annotation):
            raise TypeError(f"only Optional unions are supported, got {annotation!r}")
        enc, dec, emit = _codec_for(args[0])
        return (
            (lambda v: None if v is None else enc(v)),
            (lambda v: None if v is None else dec(v)),
            (lambda v: "null" if v is None else emit(v)),
        )
    if origin is tuple:
        args = typing.get_args(annotation)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is supported, got {annotation!r}")
        enc, dec, emit = _codec_for(args[0])

        def encode_tuple(v):
            if not isinstance(v, tuple | list):
                _fail("une liste", v)
            return [enc(x) for x in v]

        def decode_tuple(v):
            if not isinstance(v, list):
                _fail("une liste", v)
            return tuple(dec(x) for x in v)

        def emit_tuple(v):
            # json.dumps of the list, with its separators, from each item's own text:
            # 500 row outcomes need no intermediate dicts.
            if not isinstance(v, tuple | list):
                _fail("une liste", v)
            return "[" + ", ".join([emit(x) for x in v]) + "]"

        return encode_tuple, decode_tuple, emit_tuple
    if origin is dict or annotation is dict:

        def same_dict(v):
            if not isinstance(v, dict):
                _fail("un objet", v)
            return dict(v)

        return same_dict, same_dict, lambda v: json.dumps(same_dict(v))
    if dataclasses.is_dataclass(annotation):
        codec = PayloadCodec(annotation)
        return codec.encode, codec.decode, codec.encode_json
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        enc, dec = _enum_codec(annotation)
        return enc, dec, lambda v: _json_value(enc(v))
    try:
        enc, dec = _SCALARS[annotation]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported payload annotation {annotation!r}") from None
    if annotation is int:
        return enc, dec, lambda v: int.__repr__(enc(v))
    if annotation is bool:
        return enc, dec, lambda v: "true" if enc(v) else "false"
    return enc, dec, _emit_text(enc)  # str, and what encodes to text: Decimal, dates, UUID


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


# Stored payloads name the same ids again and again (a contract's id in each of its
# events): UUIDs are immutable, so one object per text serves them all. Bounded.
_UUIDS: dict[str, UUID] = {}
_UUIDS_MAX = 8192


_UUID_TEXTS: dict[int, str] = {}  # the other way round: str(UUID) is costly too


def _uuid_text(v: UUID) -> str:
    """``str(v)`` for an exact ``UUID`` (its text depends on its int only)."""
    text = _UUID_TEXTS.get(v.int)
    if text is None:
        text = str(v)
        if len(_UUID_TEXTS) >= _UUIDS_MAX:
            _UUID_TEXTS.clear()
        _UUID_TEXTS[v.int] = text
    return text


def _decode_uuid(v):
    if type(v) is str:
        known = _UUIDS.get(v)
        if known is not None:
            return known
    try:
        value = UUID(v)
    except (TypeError, ValueError, AttributeError):
        _fail("un identifiant UUID", v)
    if type(v) is str:
        if len(_UUIDS) >= _UUIDS_MAX:
            _UUIDS.clear()
        _UUIDS[v] = value
    return value


_SCALARS: dict[typing.Any, tuple[Encoder, Decoder]] = {
    str: (_strict(str, "un texte"), _strict(str, "un texte")),
    int: (_strict(int, "un entier", bool), _strict(int, "un entier", bool)),
    bool: (_strict(bool, "un booléen"), _strict(bool, "un booléen")),
    Decimal: (_encode_decimal, _decode_decimal),
    date: (_encode_date, _decode_date),
    datetime: (_encode_datetime, _decode_datetime),
    UUID: (_encode_uuid, _decode_uuid),
}


# ---- compiled fast paths ---------------------------------------------------------------
# For each payload class, ``_compile_fast`` writes two plain functions, as dataclasses
# writes __init__: one reads every field and writes the JSON text at once, the other
# builds the object from a stored payload. Each value of a known exact type takes an
# inline expression that gives what the field's encoder / decoder would; any other value
# goes to that field's own emitter / decoder. They raise on anything off (a bad value, a
# missing field) and their callers then take the field-by-field path, which decides.
# (template for the JSON text of v, template for the value decoded from stored v)
_FAST: dict[typing.Any, tuple[str, str]] = {
    str: ("_esc(v) if type(v) is str else {emit}(v)", "v if type(v) is str else {dec}(v)"),
    int: ("_int_repr(v) if type(v) is int else {emit}(v)", "v if type(v) is int else {dec}(v)"),
    bool: (
        '("true" if v else "false") if type(v) is bool else {emit}(v)',
        "v if type(v) is bool else {dec}(v)",
    ),
    Decimal: (
        "'\"' + str(v) + '\"' if type(v) is _Decimal and v.is_finite() else {emit}(v)",
        "_Decimal(v) if type(v) is str else {dec}(v)",
    ),
    date: (
        "'\"' + v.isoformat() + '\"' if type(v) is _date else {emit}(v)",
        "_date.fromisoformat(v) if type(v) is str else {dec}(v)",
    ),
    datetime: (
        "'\"' + v.isoformat() + '\"' if type(v) is _datetime and v.tzinfo is not None"
        " else {emit}(v)",
        "_datetime.fromisoformat(v) if type(v) is str else {dec}(v)",
    ),
    UUID: (
        "'\"' + (_uuid_texts.get(v.int) or _uuid_text(v)) + '\"' if type(v) is _UUID"
        " else {emit}(v)",
        "_uuids.get(v) or {dec}(v)",
    ),
}


def _fast_templates(annotation: typing.Any) -> tuple[str, str]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and args[0] in _FAST:
            emit, dec = _FAST[args[0]]
            return f'"null" if v is None else ({emit})', f"None if v is None else ({dec})"
    if annotation in _FAST:
        return _FAST[annotation]
    return "{emit}(v)", "{dec}(v)"


def _compile_fast(cls: type, fields: list[tuple[str, typing.Any, Emitter, Decoder]], positional):
    """(encode_json, decode) functions for ``cls``, or None when a field name is odd."""
    if not all(name.isidentifier() and not keyword.iskeyword(name) for name, *_ in fields):
        return None
    namespace: dict[str, typing.Any] = {
        "_cls": cls,
        "_esc": encode_basestring_ascii,
        "_int_repr": int.__repr__,
        "_Decimal": Decimal,
        "_date": date,
        "_datetime": datetime,
        "_UUID": UUID,
        "_uuid_texts": _UUID_TEXTS,
        "_uuid_text": _uuid_text,
        "_uuids": _UUIDS,
    }
    encode_lines, decode_lines, members, arguments = [], [], [], []
    for i, (name, annotation, emit, dec) in enumerate(fields):
        emit_template, dec_template = _fast_templates(annotation)
        namespace[f"_emit{i}"], namespace[f"_dec{i}"] = emit, dec
        namespace[f"_key{i}"] = encode_basestring_ascii(name) + ": "
        namespace[f"_name{i}"] = name
        encode_lines.append(f"    v = obj.{name}")
        encode_lines.append(f"    j{i} = " + emit_template.format(emit=f"_emit{i}"))
        decode_lines.append(f"    v = payload[_name{i}]")
        decode_lines.append(f"    a{i} = " + dec_template.format(dec=f"_dec{i}"))
        members.append(f"_key{i} + j{i}")
        arguments.append(f"a{i}" if positional else f"{name}=a{i}")
    text = ' + ", " + '.join(members) if members else '""'
    source = "\n".join(
        [
            "def encode_json(obj):",
            *encode_lines,
            f'    return "{{" + {text} + "}}"',
            "def decode(payload):",
            *decode_lines,
            f"    return _cls({', '.join(arguments)})",
        ]
    )
    exec(compile(source, f"<payload codec {cls.__qualname__}>", "exec"), namespace)
    return namespace["encode_json"], namespace["decode"]


class PayloadCodec:
    """Encodes a dataclass instance to a JSON-safe dict and back, checking types.

    ``encode_json`` gives the JSON text of that dict directly (what the SQL store
    writes). Both directions have a fast path for the usual case (every value valid,
    every field present) and fall back to the field-by-field path, which names each
    problem, as soon as anything is off: the outcome is the same either way.
    """

    def __init__(self, cls: type):
        self.cls = cls
        self._fields: list[tuple[str, Encoder, Decoder, bool]] | None = None
        self._emitters: list[tuple[str, str, Emitter]] = []
        self._decoders: list[tuple[str, Decoder]] = []
        self._positional = False
        self._fast_json: Callable[[typing.Any], str] | None = None
        self._fast_decode: Callable[[dict], typing.Any] | None = None

    def _compiled(self) -> list[tuple[str, Encoder, Decoder, bool]]:
        # Built lazily: annotations may name classes defined after the decorator runs.
        if self._fields is None:
            hints = typing.get_type_hints(self.cls)
            compiled, emitters, typed = [], [], []
            for f in dataclasses.fields(self.cls):
                enc, dec, emit = _codec_for(hints[f.name])
                typed.append((f.name, hints[f.name], emit, dec))
                has_default = (
                    f.default is not dataclasses.MISSING
                    or f.default_factory is not dataclasses.MISSING
                )
                compiled.append((f.name, enc, dec, has_default))
                # json.dumps writes each member as "<key>: <value>", members joined by ", ".
                emitters.append((encode_basestring_ascii(f.name) + ": ", f.name, emit))
            self._emitters = emitters
            self._decoders = [(name, dec) for name, _enc, dec, _ in compiled]
            # cls(*values) is cls(**kwargs) when the constructor takes exactly the fields,
            # in order, as plain parameters (a dataclass's generated __init__ does).
            try:
                parameters = list(inspect.signature(self.cls).parameters.values())
            except (TypeError, ValueError):
                parameters = []
            self._positional = [p.name for p in parameters] == [f[0] for f in compiled] and all(
                p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters
            )
            fast = _compile_fast(self.cls, typed, self._positional)
            if fast is not None:
                self._fast_json, self._fast_decode = fast
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

    def encode_json(self, obj) -> str:
        """``json.dumps(self.encode(obj))``, same text and same errors, in one pass."""
        if self._fields is None:
            self._compiled()
        if not isinstance(obj, self.cls):
            _fail(self.cls.__name__, obj)
        try:
            if self._fast_json is not None:
                return self._fast_json(obj)
            members = [prefix + emit(getattr(obj, name)) for prefix, name, emit in self._emitters]
        except Exception:
            # The plain path, for its errors and their order: bad fields, all named,
            # before what json.dumps itself refuses (a dict field holding a set...).
            return json.dumps(self.encode(obj))
        return "{" + ", ".join(members) + "}"

    def encode_json_checked(self, obj, type_name: str) -> str:
        try:
            return self.encode_json(obj)
        except _FieldError:
            return json.dumps(self.encode_checked(obj, type_name))  # raises InvalidPayload

    def decode(self, payload):
        if self._fields is None:
            self._compiled()
        if type(payload) is dict:
            # Fast path: every field there and valid. A missing field (KeyError) or a
            # bad value falls through to the path below, which names the problems.
            try:
                if self._fast_decode is not None:
                    return self._fast_decode(payload)
                values = [dec(payload[name]) for name, dec in self._decoders]
            except Exception:
                pass
            else:
                if self._positional:
                    return self.cls(*values)
                return self.cls(**dict(zip((n for n, _ in self._decoders), values, strict=True)))
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

    def encode_json(self, event) -> tuple[EventSpec, str]:
        """Return the spec and the payload as JSON text: ``json.dumps`` of ``encode``'s."""
        spec = self._by_class.get(type(event))
        if spec is not None:
            fast = spec.codec._fast_json
            if fast is not None:
                try:
                    return spec, fast(event)
                except Exception:
                    pass  # the checked path below names the problems
        else:
            spec = self.spec_for_class(type(event))
        return spec, spec.codec.encode_json_checked(event, spec.name)

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

    def decoder(self, name: str, version: int) -> Callable[[dict], typing.Any]:
        """``lambda payload: self.decode(name, version, payload)``, looked up once.

        Raises ``UnknownEventType`` at once for an unknown name (as ``decode`` would).
        """
        spec = self.spec(name)
        if version != spec.version:
            return lambda payload: self.decode(name, version, payload)
        codec = spec.codec
        codec._compiled()
        fast = codec._fast_decode

        def decode(payload):
            if fast is not None and type(payload) is dict:
                try:
                    return fast(payload)
                except Exception:
                    pass  # the checked path below names the problems
            try:
                return codec.decode(payload)
            except _FieldError as exc:
                raise InvalidPayload(name, {"contenu": str(exc)}) from None

        return decode

    def decode(self, name: str, version: int, payload: dict):
        """Upcast a stored payload to the current version and build the event object."""
        spec = self._by_name.get(name) or self.spec(name)
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
