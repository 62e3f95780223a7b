"""Transforms, IR -> IR: forward (tangent), reverse (adjoint), lexicographic."""
