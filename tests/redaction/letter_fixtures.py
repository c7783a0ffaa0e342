"""Partners' letters made for the tests: PDFs written with ReportLab, scans of them made by
rasterising with pypdfium2 into image-only PDFs, and Word letters; nothing binary is kept
in the repository."""

import io

import pypdfium2
from docx import Document
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

EMAIL = "jane.smith@wales-high.example"
PHONE = "01709 822000"
ROTATED_PHONE = "+44 114 273 4567"
SLANTED_PHONE = "07700 900123"
NAME = "Jane Smith"

BODY = [
    "Dear Ms Patel,",
    "",
    "Thank you for asking us about the proposal for the Old Mill site, published on",
    "23 March 2017. The governors met on 4 April and agree with Option 3, which keeps",
    "the nursery at S60 2TH open while the new building is finished.",
    "",
    "We ask that the council keeps the crossing on Moorgate Road until the new",
    "footpath is open, as 120 of our pupils walk that way each morning.",
]


def text_letter(path):
    """A two-page letter: the letterhead holds an email address and a phone number, the
    margin a number written up the page, page 2 a number on a slant and the signature."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    height = A4[1]
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, height - 60, "Wales High School")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, height - 76, f"Email {EMAIL}")
    pdf.drawString(72, height - 90, f"Tel {PHONE}")
    pdf.saveState()
    pdf.translate(30, 200)
    pdf.rotate(90)
    pdf.drawString(0, 0, f"Switchboard {ROTATED_PHONE}")
    pdf.restoreState()
    pdf.setFont("Helvetica", 11)
    y = height - 150
    for line in BODY:
        pdf.drawString(72, y, line)
        y -= 16
    pdf.showPage()
    pdf.setFont("Helvetica", 11)
    y = height - 100
    for line in ["We look forward to hearing the outcome.", "", "Yours sincerely,", ""]:
        pdf.drawString(72, y, line)
        y -= 16
    pdf.drawString(72, y, f"{NAME}, Headteacher")
    pdf.saveState()
    pdf.translate(300, 300)
    pdf.rotate(30)
    pdf.drawString(0, 0, f"Mobile {SLANTED_PHONE}")
    pdf.restoreState()
    pdf.showPage()
    pdf.save()
    return path


def turned_and_cropped(source, path):
    """``source``'s first page turned a quarter (/Rotate 90) and shown through a crop box
    that does not start at the media box's corner."""
    writer = PdfWriter()
    writer.add_page(PdfReader(source).pages[0])
    page = writer.pages[0]
    page.rotate(90)
    page.cropbox = RectangleObject((20, 100, 560, 800))
    writer.write(path)
    return path


def scan_of(source, path, *, page_number=1, dpi=200):
    """An image-only PDF of one page of ``source``, as a scanner would make it."""
    pdf = pypdfium2.PdfDocument(source)
    try:
        image = pdf[page_number - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    image.save(path, "PDF", resolution=dpi)
    return path


def blank_scan(path, *, pages=1, dpi=100):
    """An image-only PDF of white pages."""
    width, height = round(A4[0] / 72 * dpi), round(A4[1] / 72 * dpi)
    images = [Image.new("L", (width, height), 255) for _ in range(pages)]
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def word_letter(path):
    """A Word letter with an email address in a paragraph, a phone number in a table
    cell and another in the page header."""
    document = Document()
    document.sections[0].header.paragraphs[0].text = "Moorgate Nursery, 0114 496 0123"
    document.add_paragraph("Dear Ms Patel,")
    document.add_paragraph(f"Please write to {EMAIL} with the outcome.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Office"
    table.cell(0, 1).text = "01632 960123"
    table.cell(1, 0).text = "Head"
    table.cell(1, 1).text = NAME
    document.add_paragraph("Yours sincerely,")
    document.save(path)
    return path


def pdf_of_images(pngs):
    """The PDF Pillow makes of page images, as the annex holds them."""
    images = [Image.open(io.BytesIO(png)) for png in pngs]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return buffer.getvalue()
