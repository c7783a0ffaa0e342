"""Small real files, made in the test, and fakes of them."""

import io
import zipfile

from pypdf import PdfWriter


def pdf_bytes():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def office_bytes(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def docx_bytes():
    return office_bytes("word/document.xml")


def xlsx_bytes():
    return office_bytes("xl/workbook.xml")


EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 200
