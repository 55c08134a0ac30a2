"""Generated camt.054 files of any size, for tests and for ``bench/bank_import.py``.

``camt054_bytes(100_000)`` writes 100,000 reference payments as batch entries of
``per_batch`` transactions each, the way Finnish banks deliver reference payments,
compactly enough to stay under the parser's 50 MB limit (about 30 MB for 100,000).
Payment ``i`` has the national reference ``reference_for(i)``, the amount
``amount_for(i)`` and the archive reference ``ARCH{i:09d}``, so a benchmark can
create the matching invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from invoices.references import national_reference_from_base

_BASE = 1_000_000


def reference_for(i: int) -> str:
    """The national reference of generated payment ``i`` (0-based)."""
    return national_reference_from_base(str(_BASE + i))


def amount_for(i: int) -> Decimal:
    """Amounts from 1.00 to 999.99 euros, different for neighbours."""
    return Decimal(100 + (i * 7919) % 99_900) / 100


def camt054_bytes(
    count: int,
    *,
    per_batch: int = 100,
    namespace_version: str = "02",
    indices: Sequence[int] | None = None,
) -> bytes:
    """A camt.054 notification with ``count`` reference payments: payments ``0 … count-1``,
    or the payments numbered by ``indices`` (then ``count`` is ignored)."""
    numbers = list(range(count)) if indices is None else list(indices)
    count = len(numbers)
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.054.001.{namespace_version}"
    v02 = namespace_version == "02"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn>',
        f"<GrpHdr><MsgId>GEN-{count}</MsgId><CreDtTm>2026-03-01T06:00:00+02:00</CreDtTm></GrpHdr>",
        "<Ntfctn><Id>GEN</Id><Acct><Id><IBAN>FI7944052020036082</IBAN></Id></Acct>",
    ]
    status = "<Sts>BOOK</Sts>" if v02 else "<Sts><Cd>BOOK</Cd></Sts>"
    for start in range(0, count, per_batch):
        batch = numbers[start : start + per_batch]
        total = sum((amount_for(i) for i in batch), Decimal(0))
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{status}'
            "<BookgDt><Dt>2026-02-28</Dt></BookgDt><ValDt><Dt>2026-02-28</Dt></ValDt>"
            f"<AcctSvcrRef>BATCH{start:09d}</AcctSvcrRef><NtryDtls>"
        )
        for i in batch:
            amount = f'<Amt Ccy="EUR">{amount_for(i)}</Amt>'
            if v02:
                amount = f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
                payer = f"<RltdPties><Dbtr><Nm>Payer {i}</Nm></Dbtr></RltdPties>"
            else:
                payer = f"<RltdPties><Dbtr><Pty><Nm>Payer {i}</Nm></Pty></Dbtr></RltdPties>"
            parts.append(
                f"<TxDtls><Refs><AcctSvcrRef>ARCH{i:09d}</AcctSvcrRef></Refs>{amount}{payer}"
                f"<RmtInf><Strd><CdtrRefInf><Ref>{reference_for(i)}</Ref></CdtrRefInf></Strd>"
                "</RmtInf></TxDtls>"
            )
        parts.append("</NtryDtls></Ntry>")
    parts.append("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")
    return "".join(parts).encode("utf-8")
