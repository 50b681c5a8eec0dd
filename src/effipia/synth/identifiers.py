"""Vectorised generation of valid SIRET numbers.

Checking identifiers is :mod:`effipia.registry.identifiers`'s job; generating many valid
ones at once (NumPy, no Python loop per company) is the generator's, hence this helper.
"""

from __future__ import annotations

import numpy as np

__all__ = ["luhn_check_digits", "random_sirets"]

_LA_POSTE = np.array([3, 5, 6, 0, 0, 0, 0, 0, 0])


def luhn_check_digits(payload: np.ndarray) -> np.ndarray:
    """Check digit that makes each row of ``payload`` (digits, shape (n, L)) pass Luhn."""
    length = payload.shape[1]
    # once the check digit is appended, payload digit j sits at position length - j from the right
    doubled = ((length - np.arange(length)) % 2) == 1
    values = payload.copy()
    values[:, doubled] *= 2
    values[values > 9] -= 9
    return (10 - values.sum(axis=1) % 10) % 10


def random_sirets(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 14-digit SIRETs passing Luhn (SIREN and SIRET), as strings.

    The SIREN's first digit is never 0 and La Poste's SIREN (other check rule) is avoided.
    """
    sirets = np.empty(0, dtype="<U14")
    while sirets.size < n:
        need = n - sirets.size
        siren = rng.integers(0, 10, size=(need, 8))
        siren[:, 0] = rng.integers(1, 10, size=need)
        siren = np.column_stack([siren, luhn_check_digits(siren)])
        siren = siren[~(siren == _LA_POSTE).all(axis=1)]
        nic = np.zeros((siren.shape[0], 4), dtype=np.int64)
        nic[:, 2:] = rng.integers(0, 10, size=(siren.shape[0], 2))
        nic[:, 3] = np.maximum(nic[:, 3], 1)
        body = np.column_stack([siren, nic])
        digits = np.column_stack([body, luhn_check_digits(body)])
        text = (digits.astype(np.uint8) + ord("0")).view("S14").ravel().astype("<U14")
        sirets = np.unique(np.concatenate([sirets, text]))
        if sirets.size > n:
            sirets = rng.permutation(sirets)[:n]
    return rng.permutation(sirets)
