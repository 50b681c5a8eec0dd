"""The column-wise forms of the readers give what the one-value forms give (issue 11,
item 10: imports of 10^5 rows validated column-wise, with the same results).

- ``normalized`` (Polars expressions) against ``normalize`` (one string at a time): every
  assigned character of Python's Unicode database, inside a word and alone;
- ``csv_cells`` (a text split by Polars) against ``csv_records`` (the ``csv`` module) for
  random quote-free texts, and ``None`` for every text the ``csv`` module must read;
- ``cell_texts`` against ``cell_text``.
"""

from __future__ import annotations

import random
import sys
import unicodedata

import polars as pl

from effipia.registry.text import cell_text, cell_texts, normalize, normalized
from effipia.tabular import csv_cells, csv_records, csv_text


def test_normalized_equals_normalize_on_every_assigned_character() -> None:
    texts = []
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cn", "Cs", "Co"):
            continue
        texts.append(f"Ab{char}cds")  # inside a word: decomposition, marks, case and the plural rule at once
    texts += ["Œuvres sociales", "Lycée  Notre-Dame (LP)", "CFA BTP's", "ﬁlières", "", "  ", "bass", "SSSS", "Ka\u0301ssx"]
    got = normalized(pl.Series(texts, dtype=pl.String)).to_list()
    assert [t for t, g in zip(texts, got, strict=True) if g != normalize(t)] == []


def test_cell_texts_equal_cell_text() -> None:
    rng = random.Random(11)
    alphabet = list("ab ;\t\u00a0\u202f\u3000é") + ["\u2028", "x"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(5000)] + [None]
    assert cell_texts(values).to_list() == [cell_text(v) for v in values]
    assert cell_texts(pl.Series(values, dtype=pl.String)).to_list() == [cell_text(v) for v in values]


def test_csv_cells_equal_csv_records_for_quote_free_texts() -> None:
    rng = random.Random(5)
    for _ in range(300):
        separator = rng.choice(";,\t")
        lines = [separator.join(rng.choice(["a", "", " b ", "é", "1,5", "x;y"]) for _ in range(rng.randint(0, 5)))
                 for _ in range(rng.randint(0, 12))]
        text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
        source = csv_text(("sep=" + separator + "\n" + text).encode() if rng.random() < 0.2 else text.encode())
        split = csv_cells(source)
        assert split is not None
        records = [(line, cells) for line, cells in csv_records(source) if cells]
        assert [(line, cells) for line, cells in split.iter_rows() if cells != [""]] == [
            (line, cells) for line, cells in records if cells != [""]
        ]


def test_texts_needing_the_csv_module_are_not_split() -> None:
    for text in ['a;b\n"x;y";2\n', "a;b\rc;d\n", "a;b\n'=1+1;2\n", "a;" + "x" * 200_000 + "\n"]:
        assert csv_cells(csv_text(text.encode())) is None
