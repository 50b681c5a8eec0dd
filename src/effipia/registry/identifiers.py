"""Checks of French public identifiers: UAI (schools) and SIRET/SIREN (companies).

Plain functions on strings, used by every stage that reads such identifiers.
``normalize_*`` tidy what people type (spaces, dots, lower case, numbers that lost
their leading zeros); ``is_valid_*`` apply the check rule to a normalised value.
"""

from __future__ import annotations

import re

__all__ = [
    "UAI_LETTERS",
    "is_valid_siren",
    "is_valid_siret",
    "is_valid_uai",
    "luhn_ok",
    "normalize_siret",
    "normalize_uai",
    "uai_check_letter",
]

#: The 23 letters of the UAI key (I, O and Q are left out to avoid confusion with digits).
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

#: SIREN of La Poste: its establishments' SIRETs do not follow Luhn (INSEE rule).
LA_POSTE_SIREN = "356000000"

_UAI = re.compile(r"^\d{7}[A-Z]$")
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")


def uai_check_letter(first_seven: str) -> str:
    """Check letter of a UAI from its first seven digits: ``UAI_LETTERS[n % 23]``."""
    return UAI_LETTERS[int(first_seven) % 23]


def normalize_uai(value: object) -> str:
    """Upper-case, separators removed (``"0350 028 x"`` → ``"0350028X"``)."""
    return _SEPARATORS.sub("", str(value)).upper()


def is_valid_uai(uai: str) -> bool:
    """True when ``uai`` is 7 digits followed by its check letter."""
    return bool(_UAI.match(uai)) and uai_check_letter(uai[:7]) == uai[7]


def luhn_ok(digits: str) -> bool:
    """Luhn checksum over a string of digits (every second digit from the right doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char)
        if position % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_valid_siren(siren: str) -> bool:
    """True when ``siren`` is 9 digits passing Luhn."""
    return len(siren) == 9 and siren.isdigit() and luhn_ok(siren)


def is_valid_siret(siret: str) -> bool:
    """True when ``siret`` is 14 digits passing Luhn.

    La Poste (SIREN 356000000) has more establishments than Luhn leaves numbers for:
    INSEE also accepts its SIRETs whose 14 digits add up to a multiple of 5 (its
    head office, 356 000 000 00048, is an ordinary Luhn number).
    """
    if len(siret) != 14 or not siret.isdigit():
        return False
    if luhn_ok(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


def normalize_siret(value: object) -> str:
    """Digits of a SIRET as typed (spaces, dots removed); a number that lost its
    leading zeros in a spreadsheet (an int, or a float such as ``3.5600000000048E13``)
    is padded back to 14 digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(14) if value >= 0 else str(value)
    return _SEPARATORS.sub("", str(value))
