"""The plain-data wire between the grader and the student's process (nnlab.runner.wire).

Round trips through a real pipe, refusal of anything that is not plain data, malformed
frames (as a hostile student process could write them), deadlines and end of file.
"""
from __future__ import annotations

import base64
import collections
import enum
import json
import math
import os
import struct
import threading
import time

import numpy as np
import pytest

from nnlab.runner import wire
from nnlab.runner.wire import Handle, Tensor, WireError

HEADER = struct.Struct("!Q")


@pytest.fixture
def pipe():
    r, w = os.pipe()
    fds = {"r": r, "w": w}
    yield fds
    for fd in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass


def soon(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


def roundtrip(value, torch=None):
    """Send `value` through a real pipe (a thread writes, so large frames cannot block)."""
    r, w = os.pipe()
    errors = []

    def write():
        try:
            wire.send(w, value, torch)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = wire.receive(r, soon())
    except TimeoutError:
        writer.join(10)
        if errors:  # the sender refused: nothing was written
            raise errors[0] from None
        raise
    finally:
        writer.join(10)
        os.close(r)
        os.close(w)
    assert not errors
    return result


def raw_frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def receive_raw(pipe, payload: bytes):
    os.write(pipe["w"], raw_frame(payload))
    return wire.receive(pipe["r"], soon())


def array_frame(**fields) -> bytes:
    obj = {"__ndarray__": base64.b64encode(np.arange(4.0).tobytes()).decode(), "dtype": "float64", "shape": [4]}
    obj.update(fields)
    return json.dumps({"value": obj}).encode()


# -- plain values ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    0, 1, -7, 2**70, -(2**70),
    0.0, 1.5, -2.25, 1e308, 5e-324, 1 / 3,
    True, False, None,
    "", "hello", "ünïcödé ✓ 漢字", "with\x00nul and \"quotes\" and \\ and \n",
])
def test_scalars_round_trip_with_exact_type(value):
    result = roundtrip(value)
    assert type(result) is type(value)
    assert result == value


def test_negative_zero_keeps_its_sign():
    result = roundtrip(-0.0)
    assert type(result) is float and result == 0.0 and math.copysign(1.0, result) == -1.0


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinities_round_trip(value):
    assert roundtrip(value) == value


def test_nan_round_trips():
    result = roundtrip(math.nan)
    assert type(result) is float and math.isnan(result)


def test_bools_stay_bools_inside_containers():
    result = roundtrip([True, 1, False, 0])
    assert [type(v) for v in result] == [bool, int, bool, int]


def test_nested_containers_keep_their_kinds():
    value = {
        "list": [1, [2, [3, []]], ()],
        "tuple": (1, (2.5, "x"), [None, (True,)]),
        "dict": {"inner": {"deeper": (1, 2)}, "empty": {}},
        "floats": [math.inf, -math.inf],
    }
    result = roundtrip(value)
    assert result == value
    assert type(result["list"]) is list and type(result["list"][2]) is tuple
    assert type(result["tuple"]) is tuple and type(result["tuple"][1]) is tuple
    assert type(result["tuple"][2]) is list and type(result["tuple"][2][1]) is tuple
    assert type(result["dict"]["inner"]) is dict and type(result["dict"]["inner"]["deeper"]) is tuple


def test_dicts_whose_keys_look_like_array_fields_round_trip():
    value = {"dtype": "float64", "shape": [2], "data": "AAAA", "type": "x"}
    assert roundtrip(value) == value


@pytest.mark.parametrize("value, expected", [
    ((), ()), ([], []), ({}, {}), ([[]], [[]]), (((),), ((),)),
])
def test_empty_containers(value, expected):
    result = roundtrip(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value, kind", [
    (np.float64(1.25), float), (np.float32(0.5), float), (np.float16(2.0), float),
    (np.int64(-3), int), (np.int8(7), int), (np.uint8(200), int),
    (np.bool_(True), bool), (np.bool_(False), bool),
])
def test_numpy_scalars_arrive_as_python_scalars(value, kind):
    result = roundtrip(value)
    assert type(result) is kind and result == value.item()


def test_numpy_nan_scalar():
    result = roundtrip(np.float64("nan"))
    assert type(result) is float and math.isnan(result)


# -- arrays ---------------------------------------------------------------------------------
def sample_array(dtype: str, shape: tuple) -> np.ndarray:
    size = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        return (np.arange(size) % 3 == 0).reshape(shape)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return np.resize(np.array([info.min, info.max, 0, 1, 2], dtype=dtype), size).reshape(shape)
    values = np.linspace(-3.5, 7.25, num=max(size, 1))[:size]
    return values.astype(dtype).reshape(shape)


@pytest.mark.parametrize("dtype", sorted(wire.ARRAY_DTYPES))
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (3, 0), (5,), (2, 3), (2, 1, 4)])
def test_arrays_of_every_allowed_dtype_and_shape(dtype, shape):
    array = sample_array(dtype, shape)
    result = roundtrip(array)
    assert type(result) is np.ndarray
    assert result.dtype == np.dtype(dtype)
    assert result.shape == shape
    np.testing.assert_array_equal(result, array)
    assert result.flags.writeable and result.flags.owndata


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_float_arrays_keep_nan_and_inf(dtype):
    array = np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], dtype=dtype)
    result = roundtrip(array)
    assert result.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(result, array)  # equal_nan by default
    assert np.signbit(result[3])


def test_int_arrays_keep_extreme_values():
    array = np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max], dtype=np.int64)
    np.testing.assert_array_equal(roundtrip(array), array)


def test_non_contiguous_and_fortran_arrays_keep_logical_layout():
    base = np.arange(24.0).reshape(4, 6)
    for array in (base.T, base[::2, 1::2], np.asfortranarray(base), base[:, ::-1]):
        result = roundtrip(array)
        assert result.shape == array.shape
        np.testing.assert_array_equal(result, array)


@pytest.mark.parametrize("dtype", [">f8", ">i4", ">f4", ">i2"])
def test_non_native_byte_order_keeps_values(dtype):
    array = np.array([1.5, -2.0, 3.0, 100.0]).astype(dtype)
    result = roundtrip(array)
    np.testing.assert_array_equal(result, array.astype(array.dtype.newbyteorder("=")))


def test_large_array_round_trips():
    array = np.random.default_rng(0).normal(size=(300, 1000))  # ~3 MB, far above a pipe buffer
    np.testing.assert_array_equal(roundtrip(array), array)


def test_arrays_inside_containers():
    value = {"w": [np.ones((2, 2)), (np.zeros(3, dtype=np.int8), 1)], "b": np.array(2.5)}
    result = roundtrip(value)
    np.testing.assert_array_equal(result["w"][0], np.ones((2, 2)))
    assert type(result["w"][1]) is tuple and result["w"][1][0].dtype == np.int8
    assert result["b"].shape == () and result["b"] == 2.5


def test_zero_dimensional_array_stays_an_array():
    result = roundtrip(np.array(7, dtype=np.int32))
    assert isinstance(result, np.ndarray) and result.shape == () and result.dtype == np.int32 and result == 7


# -- markers ---------------------------------------------------------------------------------
def test_tensor_marker_round_trips():
    result = roundtrip(Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True))
    assert type(result) is Tensor
    assert result.requires_grad is True
    assert result.array.dtype == np.float32
    np.testing.assert_array_equal(result.array, np.arange(6).reshape(2, 3))
    assert roundtrip(Tensor([1.0, 2.0])).requires_grad is False


def test_handle_round_trips():
    result = roundtrip([Handle(3, "Net"), Handle(11)])
    assert [type(h) for h in result] == [Handle, Handle]
    assert (result[0].ident, result[0].type_name) == (3, "Net")
    assert (result[1].ident, result[1].type_name) == (11, "")


def test_torch_tensors_arrive_as_numpy_arrays():
    torch = pytest.importorskip("torch")
    value = {"t": torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_(True) * 2,
             "i": torch.tensor([1, 2], dtype=torch.int64)}
    result = roundtrip(value, torch)
    assert type(result["t"]) is np.ndarray and result["t"].dtype == np.float64
    np.testing.assert_array_equal(result["t"], np.arange(6.0).reshape(2, 3) * 2)
    assert type(result["i"]) is np.ndarray and result["i"].dtype == np.int64
    # Without the torch module the sender treats a tensor as an unknown object.
    with pytest.raises(WireError):
        wire.encode(torch.zeros(2))


# -- refusing what is not plain data --------------------------------------------------------
class LyingFloat(float):
    calls = []

    def __eq__(self, other):
        LyingFloat.calls.append("__eq__")
        return True

    __hash__ = float.__hash__

    def __float__(self):
        LyingFloat.calls.append("__float__")
        return 0.0

    def __repr__(self):
        LyingFloat.calls.append("__repr__")
        return "0.0"


class SneakyList(list):
    pass


class SneakyDict(dict):
    pass


class SneakyStr(str):
    pass


class SneakyInt(int):
    pass


class Color(enum.IntEnum):
    RED = 1


Point = collections.namedtuple("Point", "x y")


def generator():
    yield 1


@pytest.mark.parametrize("value", [
    object(), {1, 2}, frozenset(), b"bytes", bytearray(b"x"), 1 + 2j, generator(), len, lambda: 1,
    object, np, LyingFloat(1.0), SneakyList([1]), SneakyDict(a=1), SneakyStr("s"), SneakyInt(3),
    Color.RED, Point(1, 2), {1: "int key"}, {("a",): 1},
    [1, 2, object()], {"ok": [1.0, LyingFloat(2.0)]}, (1, (2, {3})),
    np.complex128(1j), np.datetime64("2024-01-01"), np.bytes_(b"x"),
], ids=lambda v: type(v).__name__)
def test_values_that_are_not_plain_data_are_refused(value):
    with pytest.raises(WireError):
        wire.encode(value)


def test_refusing_a_lying_float_calls_none_of_its_methods():
    LyingFloat.calls.clear()
    with pytest.raises(WireError, match="LyingFloat"):
        wire.encode([LyingFloat(1.0)])
    assert LyingFloat.calls == []


@pytest.mark.parametrize("array", [
    np.array([object(), 1], dtype=object),
    np.array([1 + 2j]),
    np.array([1, 2], dtype=np.uint16),
    np.array([1, 2], dtype=np.uint32),
    np.array([1, 2], dtype=np.uint64),
    np.array(["a", "b"]),
    np.array([b"a"]),
    np.array(["2024-01-01"], dtype="datetime64[D]"),
    np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    np.zeros(2, dtype=np.longdouble) if np.dtype(np.longdouble) != np.dtype(np.float64) else np.array([1j]),
], ids=lambda a: str(a.dtype))
def test_arrays_of_other_dtypes_are_refused(array):
    with pytest.raises(WireError, match="dtype"):
        wire.encode(array)


def test_send_refuses_before_writing_anything(pipe):
    with pytest.raises(WireError):
        wire.send(pipe["w"], {"a": [1, object()]})
    os.set_blocking(pipe["r"], False)
    with pytest.raises(BlockingIOError):
        os.read(pipe["r"], 1)


def test_messages_keep_their_boundaries(pipe):
    for message in ({"n": 1}, [np.arange(3)], "third"):
        wire.send(pipe["w"], message)
    assert wire.receive(pipe["r"], soon()) == {"n": 1}
    np.testing.assert_array_equal(wire.receive(pipe["r"], soon())[0], np.arange(3))
    assert wire.receive(pipe["r"], soon()) == "third"


# -- malformed frames (a hostile student process can write any bytes) -----------------------
@pytest.mark.parametrize("payload", [
    b"{not json",
    b"\xff\xfe\x00 not utf-8",
    b"",
    b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to exhaust the decoder's recursion
], ids=["invalid-json", "not-utf8", "empty", "deep-nesting"])
def test_garbled_payloads_raise_wire_error(pipe, payload):
    r, w = pipe["r"], pipe["w"]
    writer = threading.Thread(target=os.write, args=(w, raw_frame(payload)))
    writer.start()
    try:
        with pytest.raises(WireError):
            wire.receive(r, soon())
    finally:
        writer.join(10)


@pytest.mark.parametrize("fields", [
    {"__ndarray__": "!!!not base64!!!"},
    {"__ndarray__": "AAA"},  # bad padding
    {"__ndarray__": 12},
    {"__ndarray__": base64.b64encode(b"\x00" * 7).decode()},  # not a whole number of float64
    {"shape": [2, 3]},  # 4 values, shape wants 6
    {"shape": [3]},
    {"shape": [-4]},
    {"shape": [-1, -4]},
    {"shape": [float("inf")]},
    {"shape": ["x"]},
    {"shape": 4},
    {"shape": None},
    {"shape": [10**30, 0]},
    {"dtype": "object"},
    {"dtype": "O"},
    {"dtype": "complex128"},
    {"dtype": "<f8"},
    {"dtype": "uint64"},
    {"dtype": None},
], ids=lambda f: "-".join(f"{k}={str(v)[:12]}" for k, v in f.items()))
def test_malformed_arrays_raise_wire_error(pipe, fields):
    with pytest.raises(WireError):
        receive_raw(pipe, array_frame(**fields))


def test_array_frame_without_shape_or_dtype_raises_wire_error(pipe):
    obj = {"__ndarray__": base64.b64encode(np.arange(4.0).tobytes()).decode(), "dtype": "float64"}
    with pytest.raises(WireError):
        receive_raw(pipe, json.dumps(obj).encode())
    obj = {"__ndarray__": base64.b64encode(np.arange(4.0).tobytes()).decode(), "shape": [4]}
    with pytest.raises(WireError):
        receive_raw(pipe, json.dumps(obj).encode())


def test_well_formed_hand_written_array_frame_is_accepted(pipe):
    # the control for the malformed cases above
    result = receive_raw(pipe, array_frame())
    np.testing.assert_array_equal(result["value"], np.arange(4.0))


@pytest.mark.parametrize("payload", [
    b'{"__tensor__": "abc"}',
    b'{"__tensor__": [[1], {"a": 1}]}',
    b'{"__tensor__": 5, "requires_grad": true}',
    b'{"__handle__": Infinity}',
    b'{"__handle__": NaN}',
    b'{"__handle__": "seven"}',
    b'{"__handle__": [1]}',
    b'{"__dict__": 5}',
    b'{"__dict__": [1, 2, 3]}',
    b'{"__tuple__": 5}',
])
def test_malformed_markers_raise_wire_error(pipe, payload):
    with pytest.raises(WireError):
        receive_raw(pipe, payload)


def test_whatever_arrives_is_plain_data(pipe):
    """A frame written by hand decodes to Python/numpy plain types only."""
    payload = json.dumps({"a": [1, 2.5, None, True, "s", {"__tuple__": [1]}],
                          "b": {"__dict__": {"k": {"__ndarray__": "AAAAAAAA8D8=", "dtype": "float64", "shape": []}}},
                          "__class__": "os.system", "__reduce__": ["os.system", ["true"]]}).encode()
    result = receive_raw(pipe, payload)

    def walk(value):
        assert type(value) in (dict, list, tuple, str, int, float, bool, type(None), np.ndarray), type(value)
        if isinstance(value, np.ndarray):
            assert value.dtype.name in wire.ARRAY_DTYPES
        elif isinstance(value, dict):
            for key, item in value.items():
                assert type(key) is str
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(result)
    assert result["b"]["k"] == 1.0 and result["a"][5] == (1,)
    assert result["__reduce__"] == ["os.system", ["true"]]


def test_oversize_header_is_refused_without_reading_the_body(pipe):
    os.write(pipe["w"], HEADER.pack(wire.MAX_MESSAGE_BYTES + 1))
    t0 = time.monotonic()
    with pytest.raises(WireError, match="limit"):
        wire.receive(pipe["r"], soon(5))
    assert time.monotonic() - t0 < 2  # did not wait for the (absent) body


def test_header_at_the_limit_waits_for_its_body(pipe):
    os.write(pipe["w"], HEADER.pack(wire.MAX_MESSAGE_BYTES))
    with pytest.raises(TimeoutError):
        wire.receive(pipe["r"], soon(0.3))


# -- deadlines and end of file -------------------------------------------------------------
def test_receive_times_out_at_the_deadline(pipe):
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        wire.receive(pipe["r"], t0 + 0.3)
    elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed < 2.0


def test_receive_times_out_on_a_partial_header(pipe):
    os.write(pipe["w"], b"\x00\x00\x00")
    with pytest.raises(TimeoutError):
        wire.receive(pipe["r"], soon(0.3))


def test_receive_times_out_on_a_partial_body(pipe):
    os.write(pipe["w"], HEADER.pack(100) + b'{"a": ')
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        wire.receive(pipe["r"], t0 + 0.3)
    assert time.monotonic() - t0 < 2.0


def test_receive_with_a_deadline_gets_a_message_that_arrives_in_time(pipe):
    timer = threading.Timer(0.2, wire.send, args=(pipe["w"], {"late": True}))
    timer.start()
    try:
        assert wire.receive(pipe["r"], soon(5)) == {"late": True}
    finally:
        timer.join()


def test_eof_before_a_message(pipe):
    os.close(pipe.pop("w"))
    with pytest.raises(EOFError):
        wire.receive(pipe["r"], soon())
    with pytest.raises(EOFError):
        wire.receive(pipe["r"])  # without a deadline too


def test_eof_in_the_middle_of_a_frame(pipe):
    os.write(pipe["w"], HEADER.pack(50) + b'{"a":')
    os.close(pipe.pop("w"))
    with pytest.raises(EOFError):
        wire.receive(pipe["r"], soon())


def test_eof_in_the_middle_of_a_header(pipe):
    os.write(pipe["w"], b"\x00\x00")
    os.close(pipe.pop("w"))
    with pytest.raises(EOFError):
        wire.receive(pipe["r"])


def test_send_times_out_when_nobody_reads(pipe):
    big = np.zeros(1_000_000)  # several MB: far more than a pipe holds
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        wire.send(pipe["w"], big, deadline=t0 + 0.3)
    assert time.monotonic() - t0 < 2.0


def test_send_with_a_deadline_delivers_a_large_message_to_a_reader():
    array = np.arange(500_000, dtype=np.float64)
    r, w = os.pipe()
    received = []
    reader = threading.Thread(target=lambda: received.append(wire.receive(r, soon(10))))
    reader.start()
    try:
        wire.send(w, array, deadline=soon(10))
        reader.join(10)
    finally:
        os.close(r)
        os.close(w)
    np.testing.assert_array_equal(received[0], array)


def test_send_to_a_closed_reader_raises_broken_pipe(pipe):
    os.close(pipe.pop("r"))
    with pytest.raises(BrokenPipeError):
        wire.send(pipe["w"], {"x": 1})
