"""What a reader meets in a built report: its pages, its words and the sizes of its type, read from the PDF (pypdf).

Type sizes are counted in characters of text set at each size; the body size is the most used one. Text inside the
raster figures is not seen here: figures.py draws it at 8-9 pt on the printed scale.
"""

from __future__ import annotations

import io
from collections import Counter

from pypdf import PdfReader


def scale(matrix) -> float:
    """How much a PDF transformation matrix ``[a, b, c, d, e, f]`` enlarges lengths (square root of its area factor)."""
    a, b, c, d = (float(v) for v in matrix[:4])
    return abs(a * d - b * c) ** 0.5


def measure(pdf: bytes) -> dict:
    """``{"pages", "words", "body_pt", "smallest_pt", "type_sizes": {"10.0": characters, ...}}`` of the PDF ``pdf``;
    words as ``pdftotext | wc -w`` counts them (whitespace-separated), sizes in points to 0.1 pt."""
    reader = PdfReader(io.BytesIO(pdf))
    sizes: Counter[float] = Counter()
    words = 0

    def visit(text: str, cm, tm, font, size) -> None:
        characters = sum(1 for ch in text if not ch.isspace())
        if characters and size:
            sizes[round(float(size) * scale(tm) * scale(cm), 1)] += characters

    for page in reader.pages:
        words += len(page.extract_text(visitor_text=visit).split())
    return {"pages": len(reader.pages), "words": words,
            "body_pt": max(sizes, key=sizes.__getitem__) if sizes else None,
            "smallest_pt": min(sizes) if sizes else None,
            "type_sizes": {f"{size:.1f}": count for size, count in sorted(sizes.items())}}
