"""Tests of certificate rendering (fonts, layouts, backgrounds, PNG and PDF)."""
