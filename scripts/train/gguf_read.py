"""A small GGUF reader (v2/v3): metadata and tensors as numpy arrays, dequantised to float32.

Enough for the family's own files (F32, F16, BF16, Q8_0 tensors) and any llama.cpp GGUF whose
tensors use those types. Dims are listed ne0 first in the file; a tensor with dims [ne0, ne1]
is returned with numpy shape (ne1, ne0), i.e. PyTorch's [out, in] for a weight matrix.
"""
import struct

import numpy

GGML_F32, GGML_F16, GGML_Q8_0, GGML_BF16 = 0, 1, 8, 30
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GgufFile:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        self.pos = 0
        if self.data[:4] != b"GGUF":
            raise ValueError(f"{path}: not a GGUF file")
        self.pos = 4
        self.version = self._u32()
        if self.version not in (2, 3):
            raise ValueError(f"{path}: GGUF version {self.version} is not supported")
        n_tensors, n_kv = self._u64(), self._u64()
        self.metadata = {}
        for _ in range(n_kv):
            key = self._string()
            self.metadata[key] = self._value(self._u32())
        self.tensor_info = {}
        for _ in range(n_tensors):
            name = self._string()
            dims = [self._u64() for _ in range(self._u32())]
            self.tensor_info[name] = (dims, self._u32(), self._u64())
        alignment = int(self.metadata.get("general.alignment", 32))
        self.data_start = (self.pos + alignment - 1) // alignment * alignment

    def _unpack(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def _u32(self):
        return self._unpack("<I")

    def _u64(self):
        return self._unpack("<Q")

    def _string(self):
        n = self._u64()
        value = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return value

    def _value(self, kind):
        if kind == _STRING:
            return self._string()
        if kind == _ARRAY:
            item_kind, n = self._u32(), self._u64()
            if item_kind in _SCALARS and item_kind != 7:
                fmt = _SCALARS[item_kind]
                values = numpy.frombuffer(self.data, dtype=numpy.dtype(fmt), count=n, offset=self.pos)
                self.pos += n * struct.calcsize(fmt)
                return values.tolist()
            return [self._value(item_kind) for _ in range(n)]
        if kind in _SCALARS:
            return self._unpack(_SCALARS[kind])
        raise ValueError(f"unknown GGUF metadata type {kind}")

    def tensor_type(self, name):
        return self.tensor_info[name][1]

    def tensor(self, name):
        """The tensor as float32, numpy shape reversed from the GGUF dims."""
        dims, kind, offset = self.tensor_info[name]
        count = int(numpy.prod(dims))
        at = self.data_start + offset
        if kind == GGML_F32:
            flat = numpy.frombuffer(self.data, dtype="<f4", count=count, offset=at).astype(numpy.float32)
        elif kind == GGML_F16:
            flat = numpy.frombuffer(self.data, dtype="<f2", count=count, offset=at).astype(numpy.float32)
        elif kind == GGML_BF16:
            raw = numpy.frombuffer(self.data, dtype="<u2", count=count, offset=at).astype(numpy.uint32) << 16
            flat = raw.view(numpy.float32)
        elif kind == GGML_Q8_0:
            blocks = count // 32
            raw = numpy.frombuffer(self.data, dtype=numpy.uint8, count=blocks * 34, offset=at).reshape(blocks, 34)
            scales = raw[:, :2].copy().view("<f2").astype(numpy.float32)
            quants = raw[:, 2:].copy().view(numpy.int8).astype(numpy.float32)
            flat = (quants * scales).reshape(-1)
        else:
            raise ValueError(f"{name}: GGML type {kind} is not supported (F32, F16, BF16, Q8_0 are)")
        return flat.reshape(list(reversed(dims)))
