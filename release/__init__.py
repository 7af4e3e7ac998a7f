"""The release: every figure the app can show, built, protected and certified at publish."""


class CertificationFailed(Exception):
    """The intruder narrowed a hidden cell below k: nothing may be published."""

    def __init__(self, narrow: list[tuple[str, float, float]], k: int):
        self.narrow = narrow
        shown = "; ".join(f"{cell}: [{lo:g}; {hi:g}]" for cell, lo, hi in narrow[:10])
        more = f" (og {len(narrow) - 10} flere)" if len(narrow) > 10 else ""
        super().__init__(
            f"Udgivelsen er ikke certificeret: {len(narrow)} skjulte celler kan indsnævres til et interval "
            f"smallere end {k}: {shown}{more}. Intet er udgivet."
        )
