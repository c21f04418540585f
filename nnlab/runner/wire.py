"""The wire format between the grader and the student's process: plain data only.

Both sides load this module; the student's process loads it by path (it cannot import
`nnlab`). A message is a length-prefixed JSON document. Arrays travel as raw bytes with an
allow-listed dtype and are rebuilt with `numpy.frombuffer`: nothing is ever unpickled, and
decoding never calls a method of an object the other side made.
"""
from __future__ import annotations

import base64
import json
import os
import select
import struct
import time

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
ARRAY_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}
_HEADER = struct.Struct("!Q")


class WireError(Exception):
    """A message that is not plain data, or a broken channel."""


class Tensor:
    """Marks an array that the student's process must turn into a `torch.Tensor`."""

    def __init__(self, array, requires_grad: bool = False):
        self.array = np.asarray(array)
        self.requires_grad = requires_grad


class Handle:
    """Names an object that stays inside the student's process (e.g. an `nn.Module`).

    The grader only ever holds the number; it can ask the student's process to call a
    method on the object there and send the plain result back.
    """

    def __init__(self, ident: int, type_name: str = ""):
        self.ident = int(ident)
        self.type_name = str(type_name)

    def __repr__(self) -> str:
        return f"Handle({self.ident}, {self.type_name!r})"


def _encode_array(array: np.ndarray) -> dict:
    dtype = array.dtype.name
    if dtype not in ARRAY_DTYPES:
        raise WireError(f"an array of dtype {dtype} (expected numbers)")
    # Native byte order: the other side rebuilds the array with the native dtype of this name.
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")).tobytes()
    return {"__ndarray__": base64.b64encode(data).decode("ascii"), "dtype": dtype, "shape": list(array.shape)}


def encode(value, torch=None):
    """Turn `value` into JSON-ready plain data, or raise WireError naming what it found.

    `torch` is the torch module when the caller has it loaded (tensors become arrays).
    Exact type checks on purpose: a subclass of float or list could carry lying methods.
    """
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), torch)
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if torch is not None and isinstance(value, torch.Tensor):
        return _encode_array(value.detach().cpu().numpy())
    if isinstance(value, Tensor):
        return {"__tensor__": _encode_array(value.array), "requires_grad": value.requires_grad}
    if isinstance(value, Handle):
        return {"__handle__": value.ident, "type": value.type_name}
    if kind is list:
        return [encode(item, torch) for item in value]
    if kind is tuple:
        return {"__tuple__": [encode(item, torch) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"__dict__": {key: encode(item, torch) for key, item in value.items()}}
    raise WireError(f"a {type(value).__module__}.{type(value).__qualname__} object")


def _decode_array(obj: dict) -> np.ndarray:
    dtype = obj.get("dtype")
    if dtype not in ARRAY_DTYPES:
        raise WireError(f"array dtype {dtype!r} is not allowed")
    shape = tuple(int(n) for n in obj["shape"])
    raw = base64.b64decode(obj["__ndarray__"], validate=True)
    array = np.frombuffer(raw, dtype=np.dtype(dtype))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise WireError("array data does not match its shape")
    return array.reshape(shape).copy()


def _hook(obj: dict):
    if "__ndarray__" in obj:
        return _decode_array(obj)
    if "__tensor__" in obj:
        if not isinstance(obj["__tensor__"], np.ndarray):
            raise WireError("a tensor without array data")
        return Tensor(obj["__tensor__"], bool(obj.get("requires_grad", False)))
    if "__tuple__" in obj:
        return tuple(obj["__tuple__"])
    if "__handle__" in obj:
        return Handle(obj["__handle__"], obj.get("type", ""))
    if "__dict__" in obj:
        return dict(obj["__dict__"])
    return obj


def send(fd: int, message, torch=None, deadline: float | None = None) -> None:
    """Encode `message` (see `encode`) and write it as one frame.

    `deadline` (time.monotonic) bounds the wait for a reader that has stopped reading.
    """
    payload = json.dumps(encode(message, torch), allow_nan=True, separators=(",", ":")).encode("utf-8")
    frame = _HEADER.pack(len(payload)) + payload
    view = memoryview(frame)
    while view:
        if deadline is None:
            written = os.write(fd, view)
        else:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise TimeoutError("the other side stopped reading")
            # A writable pipe takes PIPE_BUF bytes without blocking.
            written = os.write(fd, view[:select.PIPE_BUF])
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no answer in time")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the channel closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None = None):
    """Read one message; `deadline` (time.monotonic) bounds the wait, None waits forever."""
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"a message of {size} bytes (limit {MAX_MESSAGE_BYTES})")
    try:
        return json.loads(_read_exactly(fd, size, deadline).decode("utf-8"), object_hook=_hook)
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
        raise WireError(f"malformed message: {exc}") from None
