"""Renderers: a Publication drawn on screen (and on a slide), as a press PNG, as XLSX."""
