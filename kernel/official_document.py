"""The layout of a Chinese official document (公文, GB/T 9704-2012) as DOCX, shared by the services' documents:
A4 with the standard margins, the title in 2号 小标宋, the body in 3号 仿宋, headings in 黑体, the 文号, 主送,
落款 and date. Fonts are named for East Asian text too (w:rFonts/@w:eastAsia) so Word and WPS use them."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from copy import deepcopy
from datetime import date
from typing import Any

import strawberry
from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
TITLE_PT, BODY_PT, TABLE_PT, SMALL_TABLE_PT = 22, 16, 12, 10.5  # 2号, 3号, 小四, 五号
LINE_PT = 28  # 22 lines on the type area


@strawberry.federation.type(shareable=True, description="一份公文 — an official document (DOCX), base64-encoded")
class Document:
    filename: str
    content_type: str
    content_base64: str

    @classmethod
    def docx(cls, filename: str, content: bytes) -> Document:
        return cls(filename=filename, content_type=DOCX, content_base64=base64.b64encode(content).decode("ascii"))


def chinese_date(day: date) -> str:
    """The date as a document writes it: 2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_number(prefix: str, year: int, serial: int) -> str:
    """发文字号: 武目考〔2026〕3号 (year in 六角括号, serial without leading zeros)."""
    return f"{prefix}〔{year}〕{serial}号"


def _detached(element: Any) -> Any:
    element.getparent().remove(element)
    return element


def set_fonts(run_properties: object, name: str) -> None:
    """Name the font for Latin, East Asian and complex script text alike (python-docx sets only Latin)."""
    fonts = run_properties.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run_properties.insert(0, fonts)  # type: ignore[attr-defined]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


class OfficialDocument:
    """One DOCX in the 公文 layout; each method adds one element in the order a document reads."""

    def __init__(self) -> None:
        self.doc = new_document()
        for section in self.doc.sections:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
            section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
            section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
        spacing = normal.paragraph_format
        spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        spacing.line_spacing = Pt(LINE_PT)
        spacing.space_before = spacing.space_after = Pt(0)
        self.started = False
        self.templates: dict[tuple[object, ...], Any] = {}

    def _append(self, element: Any) -> None:
        """Add a block element at the end of the body, before the section properties that close it."""
        body = self.doc.element.body
        if len(body) and body[-1].tag == qn("w:sectPr"):
            body[-1].addprevious(element)
        else:
            body.append(element)

    def _copy(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        """A copy of the block element laid out once for `key` (python-docx lays out slowly; copies are quick)."""
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = make()
        element = deepcopy(template)
        self._append(element)
        self.started = True
        return element

    def _paragraph(self, text: str = "", *, font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False,
                   align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False) -> Paragraph:
        def make() -> Any:
            paragraph = self.doc.add_paragraph()
            if align is not None:
                paragraph.alignment = align
            if indent:
                paragraph.paragraph_format.first_line_indent = Pt(2 * size)  # 首行缩进二字
            if text:
                run = paragraph.add_run("")
                run.font.size = Pt(size)
                run.bold = bold
                set_fonts(run._element.get_or_add_rPr(), font)
            return _detached(paragraph._p)

        element = self._copy(("p", font, size, bold, align, indent, bool(text)), make)
        if text:
            next(element.iter(qn("w:r"))).text = text
        return Paragraph(element, self.doc._body)

    def new_page(self) -> None:
        """Start the next element on a new page (one form, one letter per page)."""
        if self.started:
            def make() -> Any:
                paragraph = self.doc.add_paragraph()
                paragraph.add_run().add_break(WD_BREAK.PAGE)
                return _detached(paragraph._p)

            self._copy(("page",), make)

    def mark(self, text: str) -> None:
        """The mark in the top left corner (as 密级 and 紧急程度 stand): 公示, 定稿 …; 3号 黑体."""
        self._paragraph(text, font=HEADING_FONT, align=WD_ALIGN_PARAGRAPH.LEFT)

    def number(self, text: str) -> None:
        """发文字号, centred above the title, with a blank line after it."""
        self._paragraph(text, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._paragraph()

    def title(self, text: str) -> None:
        """The title: 2号 方正小标宋简体, centred, a blank line after it."""
        paragraph = self._paragraph(text, font=TITLE_FONT, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing = Pt(TITLE_PT + 14)
        self._paragraph()

    def addressee(self, text: str) -> None:
        """主送机关: flush left, ending in a full-width colon."""
        self._paragraph(text if text.endswith("：") else f"{text}：")

    def heading(self, text: str) -> None:
        """一级标题 in 黑体 (一、…)."""
        self._paragraph(text, font=HEADING_FONT, indent=True)

    def subheading(self, text: str) -> None:
        """二级标题 in 楷体 (（一）…)."""
        self._paragraph(text, font=SUBHEADING_FONT, indent=True)

    def text(self, text: str) -> None:
        """A body paragraph, its first line indented by two characters."""
        self._paragraph(text, indent=True)

    def line(self, text: str, *, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
        """A body line without indent (a label, a signature line)."""
        self._paragraph(text, align=align)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], *, size: float = TABLE_PT,
              widths_mm: Sequence[float] | None = None) -> None:
        """A bordered table, header in 黑体, cells in 仿宋 at `size` (a wide table in 五号)."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        cells = [(table.rows[0].cells, header, HEADING_FONT)]
        for row in rows:
            cells.append((table.add_row().cells, [("" if v is None else str(v)) for v in row], BODY_FONT))
        for row_cells, values, font in cells:
            for cell, value in zip(row_cells, values, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                run = paragraph.add_run(str(value))
                run.font.size = Pt(size)
                set_fonts(run._element.get_or_add_rPr(), font)
        if widths_mm:
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=True):
                    cell.width = Mm(width)
        self.started = True

    def form(self, rows: Sequence[Sequence[object]], *, size: float = TABLE_PT,
             widths_mm: Sequence[float] = (30, 48, 30, 48)) -> None:
        """A printed form of four columns: a row of four is (label, value, label, value); a row of two is a label
        and a value across the three other columns (the long entries: opinions, remarks). Lines of a value are
        broken with line breaks. The first form of a shape is laid out cell by cell, the next ones are copies of
        it with their own text (a document of hundreds of forms in seconds)."""
        shape = ("form", tuple(len(values) for values in rows), size, tuple(widths_mm))
        table = self._copy(shape, lambda: self._form_template(rows, size, widths_mm))
        texts = [("" if value is None else str(value)) for values in rows for value in values]
        for run, text in zip(table.iter(qn("w:r")), texts, strict=True):
            run.text = text

    def _form_template(self, rows: Sequence[Sequence[object]], size: float, widths_mm: Sequence[float]) -> Any:
        table = self.doc.add_table(rows=0, cols=4)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for values in rows:
            cells = table.add_row().cells
            for cell, width in zip(cells, widths_mm, strict=True):
                cell.width = Mm(width)
            if len(values) == 2:
                targets = [(cells[0], HEADING_FONT), (cells[1].merge(cells[3]), BODY_FONT)]
            else:
                targets = [(cell, HEADING_FONT if i % 2 == 0 else BODY_FONT) for i, cell in enumerate(cells)]
            for cell, font in targets:
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                run = paragraph.add_run("")
                run.font.size = Pt(size)
                set_fonts(run._element.get_or_add_rPr(), font)
        return _detached(table._tbl)

    def signature(self, issuer: str, day: date | str) -> None:
        """落款: the issuing office and the date, right-aligned, the date four characters from the right edge."""
        self._paragraph()
        self._paragraph(issuer, align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(2 * BODY_PT)
        when = day if isinstance(day, str) else chinese_date(day)
        self._paragraph(when, align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(4 * BODY_PT)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
