"""The built-in certificate template, drawn with Pillow primitives.

An ivory page with a double gold border, corner ornaments, a laurel wreath and a
seal (the heading is a layout field), drawn supersampled and the same to the byte every time,
so that an event needs no upload to look good.

The drawing is recorded as shapes (`Shape`) once: replayed on Pillow they make the
PNG's background; `vectors()` hands them to the PDF, which draws them as paths
instead of embedding a page-sized image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from . import textstack

textstack.load_fribidi()  # before Pillow's font module is imported: see textstack

from PIL import Image, ImageDraw  # noqa: E402

DEFAULT_SIZE = (1754, 1240)  # A4 landscape at 150 dpi

PAPER = (251, 247, 236)
GOLD = (176, 141, 87)
GOLD_DARK = (140, 108, 60)
LEAF = (120, 137, 86)
LEAF_DARK = (88, 104, 60)

_SUPERSAMPLE = 3

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Shape:
    """One ImageDraw call: polygon (filled), line (stroked), rectangle or ellipse (filled
    when `width` is None, else outlined inside the box), in supersampled pixels."""

    kind: str
    points: tuple[tuple[float, float], ...]
    colour: Colour
    width: int | None = None
    round_joins: bool = False


class _Recorder:
    """Stands in for ImageDraw while the template is drawn, keeping each call."""

    def __init__(self) -> None:
        self.shapes: list[Shape] = []

    def polygon(self, xy, fill) -> None:
        self.shapes.append(Shape("polygon", tuple(xy), fill))

    def line(self, xy, fill, width=1, joint=None) -> None:
        self.shapes.append(Shape("line", tuple(xy), fill, width, joint == "curve"))

    def rectangle(self, xy, outline, width=1) -> None:
        (x0, y0, x1, y1) = xy
        self.shapes.append(Shape("rectangle", ((x0, y0), (x1, y1)), outline, width))

    def ellipse(self, xy, fill=None, outline=None, width=1) -> None:
        (x0, y0, x1, y1) = xy
        if fill is not None:
            self.shapes.append(Shape("ellipse", ((x0, y0), (x1, y1)), fill))
        else:
            self.shapes.append(Shape("ellipse", ((x0, y0), (x1, y1)), outline, width))


def _replay(draw: ImageDraw.ImageDraw, shapes: list[Shape]) -> None:
    for shape in shapes:
        if shape.kind == "polygon":
            draw.polygon(shape.points, fill=shape.colour)
        elif shape.kind == "line":
            joint = "curve" if shape.round_joins else None
            draw.line(shape.points, fill=shape.colour, width=shape.width, joint=joint)
        else:
            box = [*shape.points[0], *shape.points[1]]
            paint = getattr(draw, shape.kind)
            if shape.width is None:
                paint(box, fill=shape.colour)
            else:
                paint(box, outline=shape.colour, width=shape.width)


@dataclass(frozen=True)
class Vectors:
    """The template for the PDF: paper colour and shapes (supersampled px)."""

    paper: Colour
    shapes: tuple[Shape, ...]
    supersample: int


def _leaf(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    angle: float,
    length: float,
    width: float,
    fill: tuple[int, int, int],
) -> None:
    """A pointed leaf whose base is at (x, y), pointing along `angle` (radians)."""
    steps = 14
    ca, sa = math.cos(angle), math.sin(angle)
    side_a, side_b = [], []
    for i in range(steps + 1):
        t = i / steps
        half = width / 2 * math.sin(math.pi * t) ** 0.9 * (1 - 0.25 * t)
        along = t * length
        for side, sign in ((side_a, 1), (side_b, -1)):
            px = along * ca - sign * half * sa
            py = along * sa + sign * half * ca
            side.append((x + px, y + py))
    draw.polygon(side_a + side_b[::-1], fill=fill)


def _branch(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, mirror: bool, leaf_len: float
) -> None:
    """Half a laurel wreath: an arc from the bottom up one side, with leaves on both sides."""
    start, end = math.radians(100), math.radians(215)
    sign = -1 if mirror else 1
    points = []
    n = 60
    for i in range(n + 1):
        a = start + (end - start) * i / n
        points.append((cx + sign * radius * math.cos(a), cy + radius * math.sin(a)))
    draw.line(points, fill=LEAF_DARK, width=max(1, round(leaf_len * 0.09)), joint="curve")
    count = 8
    for i in range(count):
        t = (i + 0.6) / (count + 0.4)
        a = start + (end - start) * t
        px, py = cx + sign * radius * math.cos(a), cy + radius * math.sin(a)
        tangent = math.atan2(math.cos(a), -sign * math.sin(a))  # towards the tip
        size = leaf_len * (1.0 - 0.35 * t)
        for offset, colour in ((0.55, LEAF), (-0.55, LEAF_DARK)):
            _leaf(draw, px, py, tangent - offset * sign, size, size * 0.42, colour)
    tip_a = end
    tx = cx + sign * radius * math.cos(tip_a)
    ty = cy + radius * math.sin(tip_a)
    tangent = math.atan2(math.cos(tip_a), -sign * math.sin(tip_a))
    _leaf(draw, tx, ty, tangent, leaf_len * 0.6, leaf_len * 0.25, LEAF)


def _wreath(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    leaf_len = radius * 0.42
    _branch(draw, cx, cy, radius, False, leaf_len)
    _branch(draw, cx, cy, radius, True, leaf_len)
    # a small star in the middle
    r_out, r_in = radius * 0.34, radius * 0.14
    star = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = r_out if i % 2 == 0 else r_in
        star.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(star, fill=GOLD)


def _corner(draw: ImageDraw.ImageDraw, x: float, y: float, sx: int, sy: int, unit: float) -> None:
    """An ornament in the corner at (x, y); sx, sy point into the page."""
    line = max(1, round(unit * 0.12))
    arm = unit * 3.2
    for k in (0.0, 0.55):
        d = unit * k
        draw.line(
            [
                (x + sx * d, y + sy * (arm + d)),
                (x + sx * d, y + sy * d),
                (x + sx * (arm + d), y + sy * d),
            ],
            fill=GOLD,
            width=line,
            joint="curve",
        )
    # a diamond at the corner
    cx, cy = x + sx * unit * 1.3, y + sy * unit * 1.3
    r = unit * 0.5
    draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=GOLD)
    # small dots along the arms
    for k in (2.2, 2.9):
        for px, py in (
            (x + sx * unit * k, y + sy * unit * 1.3),
            (x + sx * unit * 1.3, y + sy * unit * k),
        ):
            rr = unit * 0.16
            draw.ellipse([px - rr, py - rr, px + rr, py + rr], fill=GOLD)


def _seal(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A round seal: notched gold rim, inner ring, laurel star."""
    points = []
    notches = 36
    for i in range(notches * 2):
        a = i * math.pi / notches
        rr = r if i % 2 == 0 else r * 0.93
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(points, fill=GOLD)
    ring = r * 0.8
    draw.ellipse([cx - ring, cy - ring, cx + ring, cy + ring], fill=PAPER)
    inner = r * 0.72
    draw.ellipse(
        [cx - inner, cy - inner, cx + inner, cy + inner],
        outline=GOLD,
        width=max(1, round(r * 0.03)),
    )
    _wreath(draw, cx, cy + r * 0.05, r * 0.52)


@lru_cache(maxsize=4)
def _shapes(width: int, height: int) -> tuple[Shape, ...]:
    s = _SUPERSAMPLE
    w, h = width * s, height * s
    draw = _Recorder()
    unit = h / 100  # 1% of the page height

    # double border: a heavy outer frame and a fine inner line
    m1 = unit * 3.2
    draw.rectangle([m1, m1, w - m1, h - m1], outline=GOLD, width=max(1, round(unit * 0.55)))
    m2 = unit * 4.6
    draw.rectangle([m2, m2, w - m2, h - m2], outline=GOLD, width=max(1, round(unit * 0.16)))

    inset = unit * 5.6
    for x, y, sx, sy in (
        (inset, inset, 1, 1),
        (w - inset, inset, -1, 1),
        (inset, h - inset, 1, -1),
        (w - inset, h - inset, -1, -1),
    ):
        _corner(draw, x, y, sx, sy, unit)

    _wreath(draw, w / 2, unit * 14.6, unit * 6.7)
    _seal(draw, w * 0.145, h * 0.765, unit * 8.5)

    # rules: under the heading and under the name
    for y, half in ((h * 0.305, w * 0.09), (h * 0.56, w * 0.26)):
        draw.line(
            [(w / 2 - half, y), (w / 2 + half, y)], fill=GOLD, width=max(1, round(unit * 0.14))
        )
        r = unit * 0.45
        for x in (w / 2 - half, w / 2 + half):
            draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=GOLD)
    return tuple(draw.shapes)


def _draw_page(width: int, height: int) -> Image.Image:
    s = _SUPERSAMPLE
    image = Image.new("RGB", (width * s, height * s), PAPER)
    _replay(ImageDraw.Draw(image), list(_shapes(width, height)))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def vectors(width: int, height: int) -> Vectors:
    """The built-in template of this size as shapes, for the PDF."""
    return Vectors(PAPER, _shapes(width, height), _SUPERSAMPLE)


@lru_cache(maxsize=4)
def default_template_image(width: int, height: int) -> Image.Image:
    """The built-in template of this size, drawn once per process: shared, read only.
    The heading is not drawn here: it is the first field of DEFAULT_LAYOUT."""
    return _draw_page(width, height)


def default_background(width: int = DEFAULT_SIZE[0], height: int = DEFAULT_SIZE[1]) -> Image.Image:
    """The built-in template (a new RGB image each call), drawn deterministically."""
    if width < 100 or height < 100:
        raise ValueError("the default background needs at least 100x100 pixels")
    return default_template_image(width, height).copy()
