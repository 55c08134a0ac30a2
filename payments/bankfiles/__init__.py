"""Bank files we read and write: camt.054 payment notifications in, pain.001 refunds out.

Pure Python with lxml, no Django: the importer (admin upload, management command,
Celery drop-folder task) and the refund export call these and do the saving.
"""

from payments.bankfiles.camt054 import (
    MAX_BANK_FILE_BYTES,
    BankEntry,
    BankFile,
    BankFileInvalid,
    BankFileProblem,
    parse_camt054,
)

__all__ = [
    "MAX_BANK_FILE_BYTES",
    "BankEntry",
    "BankFile",
    "BankFileInvalid",
    "BankFileProblem",
    "parse_camt054",
]
