"""The WeasyPrint setup is made once per thread, not once per PDF (issue 16 item 4).

A FontConfiguration, the parsed print stylesheet and the fetcher's SSL context each cost
about as much as laying out a page; a letter run renders tens of thousands of PDFs.
"""

import ssl
import threading

import pytest
from django.template.loader import get_template

from invoices import pdf


@pytest.fixture
def fresh_printer(monkeypatch):
    monkeypatch.setattr(pdf, "_printer", pdf._Printer())


def test_two_pdfs_parse_the_print_stylesheet_and_set_up_fonts_once(fresh_printer, monkeypatch):
    made: list[str] = []
    real_css, real_fonts = pdf.CSS, pdf.FontConfiguration
    monkeypatch.setattr(pdf, "CSS", lambda **kw: made.append("css") or real_css(**kw))
    monkeypatch.setattr(pdf, "FontConfiguration", lambda: made.append("fonts") or real_fonts())

    first = pdf.render_pdf("<h1>lasku</h1>")
    second = pdf.render_pdf("<h1>faktura</h1>")

    assert first.startswith(b"%PDF-") and second.startswith(b"%PDF-")
    assert made == ["fonts", "css"]


def test_each_thread_gets_its_own_setup(fresh_printer):
    here = pdf._printer.setup()
    there: list = []
    thread = threading.Thread(target=lambda: there.append(pdf._printer.setup()))
    thread.start()
    thread.join()

    assert pdf._printer.setup()[1] is here[1]  # the same stylesheet again in this thread
    assert there[0][1] is not here[1]


def test_the_templates_leave_the_stylesheet_to_the_renderer():
    # A <link> would make WeasyPrint fetch and parse pdf.css again for every document.
    for name in ("invoices/pdf/invoice.html", "collection/letters/letter.html"):
        assert "pdf.css" not in get_template(name).template.source


def test_the_fetcher_does_not_load_the_system_ca_store(monkeypatch):
    def refuse(self):
        raise AssertionError("the local-only fetcher loaded the CA store")

    monkeypatch.setattr(ssl.SSLContext, "set_default_verify_paths", refuse)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", refuse)

    fetcher = pdf.LocalOnlyURLFetcher()

    assert fetcher("data:text/plain;base64,aGVq").read() == b"hej"
