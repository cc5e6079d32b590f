"""Exactness: every implementation's error in ULPs against the exact value (mpmath).

``formulas.py`` lists the scalar formulas with their exact values and each implementation;
``measure.py`` draws inputs with hypothesis (the whole finite range and the hard regions),
computes the errors in float64 and float32 and summarises them per formula × implementation ×
dtype (maximum, median, the input of the maximum), and flags where the reference is less
accurate than the most accurate framework by more than 1 ULP.
"""
