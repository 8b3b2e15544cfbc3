"""Content fingerprints: xxh3-128 over Arrow buffers (eager) or one aggregate row (deferred).

See `govern.metrics` for what each fingerprint scheme covers. xxhash and pyarrow are
imported inside functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govern.engines.arrow import ArrowColumn, plain

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FINGERPRINT_PREFIX", "deferred_digest", "feed_int", "fingerprint"]

FINGERPRINT_PREFIX = "xxh3-128:"


def fingerprint(rows: int, columns: list[ArrowColumn]) -> str:
    """``xxh3-128:<hex>`` of the row count and each column's name, types and content."""
    import xxhash

    digest = xxhash.xxh3_128()
    feed_int(digest, rows)
    feed_int(digest, len(columns))
    for column in columns:
        for text in (column.name, column.dtype, str(column.array.type)):
            data = text.encode(errors="surrogatepass")
            feed_int(digest, len(data))  # length-prefixed: no ambiguous concatenation
            digest.update(data)
        _feed_array(digest, column.array)
    return FINGERPRINT_PREFIX + digest.hexdigest()


def feed_int(digest: Any, value: int) -> None:
    """Feed an integer as 8 little-endian bytes."""
    digest.update(value.to_bytes(8, "little", signed=True))


def _feed_array(digest: Any, array: pa.Array) -> None:
    """Feed the logical content of ``array``, independent of its physical layout."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array.offset:  # a slice: a compact copy so only its own rows are read
        array = pa.concat_arrays([array])
    if isinstance(array.type, pa.ExtensionType):
        array = array.storage
    kind, length, nulls = array.type, len(array), array.null_count
    feed_int(digest, length)
    feed_int(digest, nulls)
    if pa.types.is_null(kind):
        return
    if pa.types.is_dictionary(kind):  # by value: a dictionary may hold unused entries
        _feed_array(digest, plain(array))
        return
    array = plain(array)
    kind = array.type
    if nulls:
        _feed_bits(digest, array.buffers()[0], length)
    if pa.types.is_boolean(kind):
        values = pc.fill_null(array, False) if nulls else array  # zero the bits under nulls
        _feed_bits(digest, values.buffers()[1], length)
    elif _byte_width(kind):
        width = _byte_width(kind)
        if nulls:
            array = _zero_nulls(array, width)
        _feed_buffer(digest, array.buffers()[1], 0, length * width)
    elif _is_binary_like(kind):
        _feed_binary(digest, array)
    elif _is_list_like(kind):  # lengths, then the referenced values (flatten skips nulls)
        _feed_array(digest, pc.fill_null(pc.list_value_length(array), 0))
        _feed_array(digest, array.flatten())
    elif pa.types.is_struct(kind):  # flatten applies the slice and the parent's nulls
        for child in array.flatten():
            _feed_array(digest, child)
    else:  # maps, unions, ...: Arrow IPC writes the referenced buffer ranges as stored
        digest.update(pa.RecordBatch.from_arrays([array], ["_"]).serialize())


def _byte_width(kind: pa.DataType) -> int:
    try:
        bits: int = kind.bit_width
    except ValueError:  # not fixed width
        return 0
    return bits // 8


def _is_binary_like(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _is_list_like(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_fixed_size_list(kind)
        or pa.types.is_list_view(kind)
        or pa.types.is_large_list_view(kind)
    )


def _zero_nulls(array: pa.Array, width: int) -> pa.Array:
    """The same bytes with zeros under nulls (they may hold anything, e.g. NaN payloads)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = {1: pa.uint8(), 2: pa.uint16(), 4: pa.uint32(), 8: pa.uint64()}.get(width)
    view_type = plain or pa.binary(width)
    view = pa.Array.from_buffers(
        view_type, len(array), array.buffers()[:2], null_count=array.null_count
    )
    zero = pa.scalar(0 if plain else bytes(width), type=view_type)
    return pc.fill_null(view, zero)


def _feed_binary(digest: Any, array: pa.Array) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    length = len(array)
    if not length:
        return
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    width = 8 if large else 4
    if array.null_count:
        first, last = _offsets(array, width)
        valid_bytes = pc.sum(pc.binary_length(array)).as_py() or 0
        if last - first != valid_bytes:  # bytes under nulls: rebuild with empty nulls
            array = pc.fill_null(array, pa.scalar(b"", type=array.type))
    first, last = _offsets(array, width)
    offsets = array.buffers()[1]
    if first:  # rebase so the offsets are relative to the first value
        index_type = pa.int64() if large else pa.int32()
        relative = pc.subtract(
            pa.Array.from_buffers(index_type, length + 1, [None, offsets]), first
        )
        offsets = relative.buffers()[1]
    _feed_buffer(digest, offsets, 0, (length + 1) * width)
    _feed_buffer(digest, array.buffers()[2], first, last)


def _offsets(array: pa.Array, width: int) -> tuple[int, int]:
    """First and last value offsets of a binary-like array at offset 0."""
    view = memoryview(array.buffers()[1])
    start = int.from_bytes(view[:width], "little", signed=True)
    end_at = len(array) * width
    end = int.from_bytes(view[end_at : end_at + width], "little", signed=True)
    return start, end


def _feed_buffer(digest: Any, buffer: pa.Buffer | None, start: int, stop: int) -> None:
    if buffer is not None and stop > start:
        digest.update(memoryview(buffer)[start:stop])


def _feed_bits(digest: Any, buffer: pa.Buffer, length: int) -> None:
    """A bitmap's first ``length`` bits; the padding bits of the last byte masked."""
    whole, rest = divmod(length, 8)
    view = memoryview(buffer)
    digest.update(view[:whole])
    if rest:
        digest.update(bytes([view[whole] & ((1 << rest) - 1)]))


def deferred_digest(prefix: str, rows: int, schema: Sequence[tuple[str, str]], parts: Any) -> str:
    """``<prefix>:<hex>`` over a deferred engine's row count, schema and aggregates."""
    import xxhash

    digest = xxhash.xxh3_128()
    for text in (prefix, str(rows), *(f"{n}\x00{t}" for n, t in schema), *map(str, parts)):
        data = text.encode(errors="surrogatepass")
        feed_int(digest, len(data))
        digest.update(data)
    return f"{prefix}:{digest.hexdigest()}"
