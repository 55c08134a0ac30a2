"""Demo creditors and invoices for `make run` (filled in by the invoices work)."""


def seed(stdout) -> None:
    return None
