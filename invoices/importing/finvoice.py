"""Finvoice 3.0 XML → :class:`ImportedInvoice`.

A file may hold one ``<Finvoice>`` message, a root element wrapping several,
or the banks' transmission format: a SOAP envelope and a Finvoice message
after another, each with its own XML declaration.

Uploaded XML is hostile until proven otherwise. The file is refused before
parsing when it is larger than ``MAX_IMPORT_BYTES`` or mentions a DOCTYPE or
an ENTITY (Finvoice needs neither), and after parsing when the parser saw a
DOCTYPE anyway (say, in a UTF-16 file the byte scan cannot read). The parser
resolves no entities, loads no DTD, never touches the network and keeps
libxml2's limits on depth and text size (``huge_tree=False``).

Every problem in every message is collected before :class:`ImportFailed` is
raised; each names the message (1-based) and an XPath-like element path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from invoices.importing.records import (
    MAX_IMPORT_BYTES,
    ImportedInvoice,
    ImportedLine,
    ProblemList,
    check_size,
    fail,
    gettext_noop,
)
from invoices.importing.values import (
    CENT,
    checked_bic,
    checked_email,
    checked_hetu,
    checked_iban,
    checked_language,
    checked_reference,
    checked_ytunnus,
    has_cents_only,
    is_rf_reference,
    looks_like_hetu,
    mask_hetu,
    parse_compact_date,
    parse_decimal,
    round_cents,
    shown,
    split_gross,
    vat_on_net,
)

__all__ = ["MAX_IMPORT_BYTES", "parse_finvoice"]

_DTD_MARKUP = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"<\?xml\s[^>]*\?>")
_LIBXML_LOCATION = re.compile(r", line \d+, column \d+$")
_YTUNNUS_SHAPE = re.compile(r"\d{7}-\d")
_FINNISH_POSTCODE = re.compile(r"\d{5}")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ROW_AMOUNTS = ("UnitPriceAmount", "RowVatExcludedAmount", "RowVatAmount", "RowAmount")
_QUANTITIES = ("DeliveredQuantity", "OrderedQuantity", "InvoicedQuantity")

_MISSING = gettext_noop("This required element is missing or empty.")
_DTD_REFUSED = gettext_noop(
    "The file declares a DOCTYPE or entities. Finvoice needs neither, "
    "so the file was refused unread."
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_finvoice(data: bytes) -> list[ImportedInvoice]:
    """Parse every Finvoice message in ``data``; raise ``ImportFailed`` if any is wrong."""
    check_size(data)
    if match := _DTD_MARKUP.search(data):
        raise fail(
            f"line {data.count(b'\n', 0, match.start()) + 1}",
            _DTD_REFUSED,
        )
    root = _parse(data)
    messages = [root] if _local_name(root) == "Finvoice" else list(root.iter("{*}Finvoice"))
    if not messages:
        raise fail("file", gettext_noop("The file contains no Finvoice message."))

    problems = ProblemList()
    invoices: list[ImportedInvoice] = []
    first_message_of: dict[str, int] = {}
    for index, message in enumerate(messages, start=1):
        invoice = _MessageReader(message, index, problems).read()
        if invoice is None:
            continue
        if invoice.number in first_message_of:
            problems.add(
                f"Finvoice message {index}, /Finvoice/InvoiceDetails/InvoiceNumber",
                gettext_noop(
                    "Invoice number %(number)s is already used in Finvoice message %(first)s."
                ),
                number=invoice.number,
                first=first_message_of[invoice.number],
            )
            continue
        first_message_of[invoice.number] = index
        invoices.append(invoice)
    problems.raise_if_any()
    return invoices


def _parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        # Bank files concatenate whole documents; wrapped in one root they parse.
        try:
            root = etree.fromstring(_wrap_concatenated(data), parser=_parser())
        except etree.XMLSyntaxError:
            raise fail(
                f"line {error.lineno}",
                gettext_noop("The file is not well-formed XML: %(detail)s"),
                detail=_LIBXML_LOCATION.sub("", error.msg or str(error)),
            ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise fail(
            "file",
            _DTD_REFUSED,
        )
    return root


def _wrap_concatenated(data: bytes) -> bytes:
    data = data.removeprefix(b"\xef\xbb\xbf")
    declarations = _XML_DECLARATION.findall(data)
    body = _XML_DECLARATION.sub(b"", data)
    head = declarations[0] if declarations else b""
    return head + b"<FinvoiceTransmission>" + body + b"</FinvoiceTransmission>"


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _any_namespace(path: str) -> str:
    return "/".join("{*}" + step for step in path.split("/"))


def _text_of(element: etree._Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _element_path(element: etree._Element, message: etree._Element) -> str:
    steps = []
    node = element
    while node is not message and (parent := node.getparent()) is not None:
        name = _local_name(node)
        twins = [child for child in parent if _local_name(child) == name]
        steps.append(f"{name}[{twins.index(node) + 1}]" if len(twins) > 1 else name)
        node = parent
    return "/Finvoice/" + "/".join(reversed(steps))


@dataclass(frozen=True)
class _Context:
    element: etree._Element
    path: str  # of ``element``, e.g. "/Finvoice" or "/Finvoice/InvoiceRow[2]"


class _MessageReader:
    """Reads one ``<Finvoice>`` element, reporting problems as it goes."""

    def __init__(self, message: etree._Element, index: int, problems: ProblemList) -> None:
        self.message = message
        self.index = index
        self.problems = problems
        self.root = _Context(message, "/Finvoice")

    def report(self, path: str, message: str, **params: object) -> None:
        self.problems.add(f"Finvoice message {self.index}, {path}", message, **params)

    def find(self, context: _Context, path: str) -> etree._Element | None:
        return context.element.find(_any_namespace(path))

    def text(self, context: _Context, path: str, *, required: bool = False) -> str | None:
        value = _text_of(self.find(context, path))
        if not value:
            if required:
                self.report(f"{context.path}/{path}", _MISSING)
            return None
        return value

    def joined_text(
        self, context: _Context, path: str, separator: str, *, required: bool = False
    ) -> str | None:
        """Repeatable elements (street lines, name lines) joined into one value."""
        parts = [_text_of(e) for e in context.element.iterfind(_any_namespace(path))]
        value = separator.join(part for part in parts if part)
        if not value:
            if required:
                self.report(f"{context.path}/{path}", _MISSING)
            return None
        return value

    def decimal(
        self,
        context: _Context,
        path: str,
        *,
        required: bool = False,
        cents: bool = True,
        currency: bool = True,
    ) -> Decimal | None:
        element = self.find(context, path)
        text = _text_of(element)
        where = f"{context.path}/{path}"
        if not text:
            if required:
                self.report(where, _MISSING)
            return None
        code = element.get("AmountCurrencyIdentifier") if currency and element is not None else None
        if code is not None and code.strip() != "EUR":
            self.report(
                where,
                gettext_noop("Only euro amounts can be imported; the currency is %(currency)s."),
                currency=shown(code),
            )
            return None
        value = parse_decimal(text)
        if value is None:
            self.report(where, gettext_noop("%(value)s is not a valid number."), value=shown(text))
            return None
        if value < 0:
            self.report(where, gettext_noop("%(value)s must not be negative."), value=shown(text))
            return None
        if cents and not has_cents_only(value):
            self.report(
                where, gettext_noop("%(value)s has more than two decimals."), value=shown(text)
            )
            return None
        return value

    def date(self, context: _Context, path: str, *, required: bool = False) -> date | None:
        element = self.find(context, path)
        text = _text_of(element)
        where = f"{context.path}/{path}"
        if not text:
            if required:
                self.report(where, _MISSING)
            return None
        date_format = element.get("Format") if element is not None else None
        if date_format not in (None, "CCYYMMDD"):
            self.report(
                where,
                gettext_noop("Date format %(format)s is not supported; use CCYYMMDD."),
                format=shown(date_format),
            )
            return None
        value = parse_compact_date(text)
        if value is None:
            self.report(
                where,
                gettext_noop("%(value)s is not a valid date in the form CCYYMMDD."),
                value=shown(text),
            )
        return value

    def sent_on(self, root: _Context) -> date | None:
        """The day of `MessageTransmissionDetails/MessageDetails/MessageTimeStamp`, if any.

        Optional and only informative: an unreadable stamp falls back to the issue date
        rather than refusing the invoice.
        """
        element = self.find(root, "MessageTransmissionDetails/MessageDetails/MessageTimeStamp")
        text = _text_of(element)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None

    def read(self) -> ImportedInvoice | None:
        problems_before = len(self.problems)
        root = self.root
        self.check_version()
        type_code = self.text(root, "InvoiceDetails/InvoiceTypeCode", required=True)
        if type_code is not None and type_code != "INV01":
            self.report(
                "/Finvoice/InvoiceDetails/InvoiceTypeCode",
                gettext_noop("Only invoices (type INV01) can be imported; this is %(code)s."),
                code=shown(type_code),
            )
        number = self.text(root, "InvoiceDetails/InvoiceNumber", required=True)
        issue_date = self.date(root, "InvoiceDetails/InvoiceDate", required=True)
        sent_on = self.sent_on(root)
        total_path = "InvoiceDetails/InvoiceTotalVatIncludedAmount"
        total = self.decimal(root, total_path, required=True)
        due_date = self.due_date()
        reference = self.reference()
        language = self.language()
        debtor = self.debtor()
        seller_ytunnus, seller_name = self.seller()
        seller_iban, seller_bic = self.seller_account()
        lines = self.lines()

        if issue_date and due_date and due_date < issue_date:
            self.report(
                "/Finvoice/InvoiceDetails/PaymentTermsDetails/InvoiceDueDate",
                gettext_noop("The due date %(due)s is before the invoice date %(issued)s."),
                due=due_date.isoformat(),
                issued=issue_date.isoformat(),
            )
        if lines and total is not None:
            rows_total = sum((line.gross_total for line in lines), Decimal(0))
            if abs(rows_total - total) > CENT:
                self.report(
                    f"/Finvoice/{total_path}",
                    gettext_noop(
                        "The invoice total %(total)s differs from the sum of its rows %(rows)s."
                    ),
                    total=str(total),
                    rows=str(rows_total),
                )

        if len(self.problems) > problems_before:
            return None
        assert number and issue_date and due_date and reference and total is not None
        assert debtor is not None
        return ImportedInvoice(
            number=number,
            issue_date=issue_date,
            # The message was sent no earlier than it was stamped; never before the invoice.
            sent_on=max(sent_on, issue_date) if sent_on else None,
            due_date=due_date,
            reference=reference,
            currency="EUR",
            total=total,
            language=language,
            **debtor,
            seller_ytunnus=seller_ytunnus,
            seller_name=seller_name,
            seller_iban=seller_iban,
            seller_bic=seller_bic,
            lines=tuple(lines),
            source_position=f"Finvoice message {self.index}",
        )

    def check_version(self) -> None:
        version = (self.message.get("Version") or "").strip()
        if not version:
            self.report(
                "/Finvoice/@Version",
                gettext_noop("The Version attribute is missing; Finvoice 3.0 is required."),
            )
        elif version != "3.0":
            self.report(
                "/Finvoice/@Version",
                gettext_noop("Finvoice version %(version)s is not supported; use 3.0."),
                version=shown(version),
            )

    def due_date(self) -> date | None:
        terms_path = "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate"
        epi_path = "EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate"
        terms_due = self.date(self.root, terms_path)
        epi_due = self.date(self.root, epi_path)
        if self.find(self.root, terms_path) is None and self.find(self.root, epi_path) is None:
            self.report(f"/Finvoice/{terms_path}", _MISSING)
        if terms_due and epi_due and terms_due != epi_due:
            self.report(
                f"/Finvoice/{epi_path}",
                gettext_noop("The payment date %(epi)s differs from the due date %(due)s."),
                epi=epi_due.isoformat(),
                due=terms_due.isoformat(),
            )
        return terms_due or epi_due

    def reference(self) -> str | None:
        path = "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"
        text = self.text(self.root, path, required=True)
        if text is None:
            return None
        reference = checked_reference(text)
        if reference is None:
            self.report(
                f"/Finvoice/{path}",
                gettext_noop("%(value)s is not a valid reference number."),
                value=shown(text),
            )
            return None
        element = self.find(self.root, path)
        scheme = element.get("IdentificationSchemeName") if element is not None else None
        if (scheme == "SPY" and is_rf_reference(reference)) or (
            scheme == "ISO" and not is_rf_reference(reference)
        ):
            self.report(
                f"/Finvoice/{path}/@IdentificationSchemeName",
                gettext_noop(
                    "Scheme %(scheme)s does not match the reference: "
                    "SPY is for Finnish references, ISO for RF references."
                ),
                scheme=scheme,
            )
            return None
        return reference

    def language(self) -> str:
        candidates = [
            (
                "/Finvoice/InvoiceRecipientLanguageCode",
                self.text(self.root, "InvoiceRecipientLanguageCode"),
            ),
            ("/Finvoice/@xml:lang", self.message.get(_XML_LANG)),
            ("/Finvoice/@LanguageCode", self.message.get("LanguageCode")),
        ]
        details = self.find(self.root, "InvoiceDetails")
        if details is not None:
            candidates.append(
                ("/Finvoice/InvoiceDetails/@LanguageCode", details.get("LanguageCode"))
            )
        for where, code in candidates:
            if code and code.strip():
                language = checked_language(code)
                if language is None:
                    self.report(
                        where,
                        gettext_noop("Language %(code)s is not supported; use fi, sv or en."),
                        code=shown(code),
                    )
                    return "fi"
                return language
        return "fi"

    def debtor(self) -> dict[str, str | None] | None:
        party = "BuyerPartyDetails"
        address = f"{party}/BuyerPostalAddressDetails"
        name = self.joined_text(self.root, f"{party}/BuyerOrganisationName", " ", required=True)
        kind, hetu, ytunnus = self.debtor_identity(f"{party}/BuyerPartyIdentifier")
        street = self.joined_text(self.root, f"{address}/BuyerStreetName", ", ", required=True)
        city = self.text(self.root, f"{address}/BuyerTownName", required=True)
        postcode = self.text(self.root, f"{address}/BuyerPostCodeIdentifier", required=True)
        country = self.text(self.root, f"{address}/CountryCode")
        if (
            postcode
            and (country or "FI").upper() == "FI"
            and not _FINNISH_POSTCODE.fullmatch(postcode)
        ):
            self.report(
                f"/Finvoice/{address}/BuyerPostCodeIdentifier",
                gettext_noop("%(value)s is not a Finnish postcode of five digits."),
                value=shown(postcode),
            )
        email_path = "BuyerCommunicationDetails/BuyerEmailaddressIdentifier"
        email = self.text(self.root, email_path) or ""
        if email and checked_email(email) is None:
            self.report(
                f"/Finvoice/{email_path}",
                gettext_noop("%(value)s is not a valid email address."),
                value=shown(email),
            )
        if not (name and street and city and postcode):
            return None
        return {
            "debtor_kind": kind,
            "debtor_name": name,
            "debtor_hetu": hetu,
            "debtor_ytunnus": ytunnus,
            "debtor_address": street,
            "debtor_postcode": postcode,
            "debtor_city": city,
            "debtor_email": email,
        }

    def debtor_identity(self, path: str) -> tuple[str, str | None, str | None]:
        """A HETU makes the buyer a consumer, a Y-tunnus a company; none, a consumer."""
        identifier = self.text(self.root, path)
        if identifier is None:
            return "consumer", None, None
        if hetu := checked_hetu(identifier):
            return "consumer", hetu, None
        if ytunnus := checked_ytunnus(identifier):
            return "company", None, ytunnus
        where = f"/Finvoice/{path}"
        if looks_like_hetu(identifier):
            self.report(
                where,
                gettext_noop("%(hetu)s is not a valid personal identity code (HETU)."),
                hetu=mask_hetu(identifier),
            )
        elif _YTUNNUS_SHAPE.fullmatch(identifier):
            self.report(
                where,
                gettext_noop("%(ytunnus)s is not a valid business ID (Y-tunnus)."),
                ytunnus=identifier,
            )
        else:
            self.report(
                where,
                gettext_noop(
                    "%(value)s is neither a personal identity code (HETU) "
                    "nor a business ID (Y-tunnus)."
                ),
                value=shown(identifier),
            )
        return "consumer", None, None

    def seller(self) -> tuple[str | None, str | None]:
        path = "SellerPartyDetails/SellerPartyIdentifier"
        identifier = self.text(self.root, path)
        ytunnus = checked_ytunnus(identifier) if identifier else None
        if identifier and ytunnus is None:
            self.report(
                f"/Finvoice/{path}",
                gettext_noop("%(ytunnus)s is not a valid business ID (Y-tunnus)."),
                ytunnus=shown(identifier),
            )
        name = self.joined_text(self.root, "SellerPartyDetails/SellerOrganisationName", " ")
        return ytunnus, name

    def seller_account(self) -> tuple[str | None, str | None]:
        """The first IBAN account of the seller, else the EPI beneficiary's account."""
        iban_element = bic_element = None
        for account in self.message.iterfind(".//{*}SellerAccountDetails"):
            candidate = account.find("{*}SellerAccountID")
            if (
                candidate is not None
                and candidate.get("IdentificationSchemeName", "IBAN") == "IBAN"
            ):
                iban_element, bic_element = candidate, account.find("{*}SellerBic")
                break
        if iban_element is None:
            epi = "EpiDetails/EpiPartyDetails"
            iban_element = self.find(self.root, f"{epi}/EpiBeneficiaryPartyDetails/EpiAccountID")
            bic_element = self.find(self.root, f"{epi}/EpiBfiPartyDetails/EpiBfiIdentifier")
        iban = self.checked(
            iban_element, checked_iban, gettext_noop("%(value)s is not a valid IBAN.")
        )
        bic = self.checked(bic_element, checked_bic, gettext_noop("%(value)s is not a valid BIC."))
        return iban, bic

    def checked(
        self,
        element: etree._Element | None,
        check: Callable[[str], str | None],
        message: str,
    ) -> str | None:
        text = _text_of(element)
        if not text:
            return None
        value = check(text)
        if value is None:
            self.report(_element_path(element, self.message), message, value=shown(text))
        return value

    def lines(self) -> list[ImportedLine]:
        lines = []
        for number, row in enumerate(self.message.iterfind("{*}InvoiceRow"), start=1):
            line = self.line(_Context(row, f"/Finvoice/InvoiceRow[{number}]"))
            if line is not None:
                lines.append(line)
        return lines

    def line(self, row: _Context) -> ImportedLine | None:
        if all(self.find(row, name) is None for name in _ROW_AMOUNTS):
            return None  # a text-only row, e.g. a note about the delivery
        problems_before = len(self.problems)
        description = self.text(row, "ArticleName") or self.text(row, "RowFreeText")
        if description is None:
            self.report(f"{row.path}/ArticleName", _MISSING)
        quantity = Decimal(1)
        for name in _QUANTITIES:
            if self.find(row, name) is not None:
                quantity = self.decimal(row, name, required=True, cents=False, currency=False)
                break
        unit_price = self.decimal(row, "UnitPriceAmount", cents=False)
        vat_rate = self.decimal(
            row, "RowVatRatePercent", required=True, cents=False, currency=False
        )
        if vat_rate is not None and vat_rate >= 100:
            self.report(
                f"{row.path}/RowVatRatePercent",
                gettext_noop("A VAT rate of %(value)s%% is not possible."),
                value=str(vat_rate),
            )
        net = self.decimal(row, "RowVatExcludedAmount")
        vat = self.decimal(row, "RowVatAmount")
        gross = self.decimal(row, "RowAmount")
        if net is None and gross is None and len(self.problems) == problems_before:
            self.report(
                f"{row.path}/RowAmount",
                gettext_noop("A row needs RowAmount or RowVatExcludedAmount."),
            )
        if len(self.problems) > problems_before:
            return None
        assert description and quantity is not None and vat_rate is not None
        if net is None:
            net = gross - vat if vat is not None else split_gross(gross, vat_rate)[0]
        if vat is None:
            vat = gross - net if gross is not None else vat_on_net(net, vat_rate)
        if gross is None:
            gross = net + vat
        elif abs(net + vat - gross) > CENT:
            self.report(
                f"{row.path}/RowAmount",
                gettext_noop(
                    "RowAmount %(gross)s is not RowVatExcludedAmount %(net)s "
                    "plus RowVatAmount %(vat)s."
                ),
                gross=str(gross),
                net=str(net),
                vat=str(vat),
            )
            return None
        if unit_price is None:
            unit_price = round_cents(net / quantity) if quantity else net
        return ImportedLine(
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            vat_rate=vat_rate,
            net_total=net,
            vat_total=vat,
            gross_total=gross,
        )
