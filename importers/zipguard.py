"""Zip containers (XLSX, ODS) checked from their central directory, and members
decompressed by us with their declared size enforced.

The central directory check rejects zip bombs in milliseconds, before any
parser sees the file. ``iter_member`` then streams a member's bytes without
trusting the directory: output beyond the declared size, or a stream that ends
before it, rejects the file (a forged CRC cannot hide a lying size from it).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from importers.errors import FileRejected
from importers.limits import MB, Limits

ENCRYPTED = (
    "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe "
    "puis déposez-le à nouveau."
)
DAMAGED = (
    "Le fichier est endommagé ou incomplet : ouvrez-le dans votre tableur, "
    "enregistrez-le à nouveau puis déposez-le."
)
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_FLAG_ENCRYPTED = 0x1


def _mb(size: int) -> str:
    return f"{size / MB:.0f}"


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the container and check its directory: members, sizes, ratios."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRejected(DAMAGED) from None
    if len(members) > limits.max_zip_members:
        raise FileRejected(
            f"Le fichier contient {len(members)} éléments compressés (au plus "
            f"{limits.max_zip_members}) : ce n'est pas un relevé d'heures ordinaire. "
            "Enregistrez-le à nouveau depuis votre tableur puis déposez-le."
        )
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise FileRejected(DAMAGED)  # two members with one name: readers may disagree
    total = 0
    for info in members:
        if info.flag_bits & _FLAG_ENCRYPTED:
            raise FileRejected(ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected(DAMAGED)
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            limit = _mb(limits.max_uncompressed_bytes)
            raise FileRejected(
                f"Une fois décompressé, le fichier dépasse {limit} Mo : "
                "il est trop volumineux pour être lu. Découpez-le en plusieurs fichiers ou "
                "supprimez les feuilles et images inutiles."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_exempt_bytes and ratio > limits.max_compression_ratio:
            raise FileRejected(
                "Le fichier est anormalement compressé (il grossit plus de "
                f"{limits.max_compression_ratio} fois une fois ouvert) : il ne peut pas être lu. "
                "Enregistrez-le à nouveau depuis votre tableur puis déposez-le."
            )
    return archive


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise FileRejected(DAMAGED)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise FileRejected(DAMAGED)
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def iter_member(data: bytes, info: zipfile.ZipInfo, chunk_size: int = MB) -> Iterator[bytes]:
    """The member's uncompressed bytes in chunks, never more than it declares."""
    start = _data_offset(data, info)
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise FileRejected(DAMAGED)
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise FileRejected(DAMAGED)
        for offset in range(0, len(raw), chunk_size):
            yield bytes(raw[offset : offset + chunk_size])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                pending = inflater.unconsumed_tail
            elif position < len(raw):
                pending = raw[position : position + 64 * 1024]
                position += len(pending)
            else:
                pending = b""
            out = inflater.decompress(pending, chunk_size)
            if not out and not pending:
                break
            produced += len(out)
            if produced > info.file_size:
                raise FileRejected(DAMAGED)  # more than declared: a lying directory
            if out:
                yield out
    except zlib.error:
        raise FileRejected(DAMAGED) from None
    if not inflater.eof or produced != info.file_size:
        raise FileRejected(DAMAGED)


def read_member(data: bytes, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    """A small member whole (workbook, relationships, manifest)."""
    if info.file_size > max_bytes:
        raise FileRejected(DAMAGED)
    return b"".join(iter_member(data, info))
