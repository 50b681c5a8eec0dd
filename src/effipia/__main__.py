"""``python -m effipia …``: the same Typer application as the ``effipia`` script."""

from effipia.cli import main

if __name__ == "__main__":
    main()
