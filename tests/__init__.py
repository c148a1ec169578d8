"""Laurel's tests.

The renderer's FriBiDi is loaded before any test module imports Pillow's ImageDraw
(see app/certificates/rendering/textstack.py), here because subprocesses import
`tests.*` helpers too.
"""

from app.certificates.rendering import textstack

textstack.load_fribidi()
