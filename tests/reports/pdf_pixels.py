"""Rasterise a PDF with poppler's pdftoppm and read its pixels (PPM into numpy arrays)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

RGB = tuple[int, int, int]
Page = npt.NDArray[np.int16]  # height x width x 3


def near(page: Page, colour: RGB, tolerance: int = 6) -> npt.NDArray[np.bool_]:
    """Where the page has ``colour`` (each channel within ``tolerance``)."""
    return np.all(np.abs(page - np.array(colour, dtype=np.int16)) <= tolerance, axis=2)


def hex_rgb(text: str) -> RGB:
    value = text.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _ppm(data: bytes) -> Page:
    # binary PPM (P6): magic, width, height, maxval, each followed by one whitespace
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos : pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height * 3, offset=pos + 1)
    return pixels.reshape(height, width, 3).astype(np.int16)


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def rasterise(pdf: Path, out: Path, dpi: int = 100) -> list[Page]:
    """Every page of ``pdf`` as RGB pixels, via ``pdftoppm``."""
    tool = pdftoppm()
    assert tool is not None
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool, "-r", str(dpi), str(pdf), str(out / "page")], check=True, timeout=120)
    return [_ppm(p.read_bytes()) for p in sorted(out.glob("page-*.ppm"))]
