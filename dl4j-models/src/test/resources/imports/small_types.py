#!/usr/bin/env python3
"""Writes small_types.npz and small_types_compressed.npz, the fixtures of NpzReaderTest (NumPy 1.24):
one array per dtype the reader handles, a Fortran-order array, and a compressed archive of the same f32.

    python3 small_types.py
"""
import numpy as np

F32 = np.arange(6, dtype=np.float32).reshape(2, 3) / 4

np.savez("small_types.npz", f32=F32, f64=np.array([[1.5, -2.25]]), f16=np.array([0.5, -1.0, 2.0], dtype=np.float16),
         i64=np.array([3, -4, 5]), fortran=np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.savez_compressed("small_types_compressed.npz", f32=F32)
