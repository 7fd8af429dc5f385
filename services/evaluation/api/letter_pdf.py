"""告知书 as PDF, drawn with fpdf2 in Noto Sans CJK SC so Chinese renders on any reader, offline."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from services.evaluation.domain.letters import ISSUER, TITLE, EvidenceCase
from services.evaluation.service.letters import Letter, paragraphs

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NEXT: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}
"""Each line starts at the left margin of the next line."""
SIMPLIFIED_CHINESE = 2
"""The face of the Noto CJK collection drawn for Simplified Chinese (SC)."""


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("NotoSansSC", fname=FONT, collection_font_number=SIMPLIFIED_CHINESE)
    pdf.set_title(TITLE)
    pdf.add_page()
    return pdf


def _evidence(pdf: FPDF, case: EvidenceCase) -> None:
    pdf.set_font("NotoSansSC", size=9)
    pdf.multi_cell(0, 5, f"案件 {case.case_id}  街道 {case.street_code or '—'}  trace {case.trace_id or '—'}", **NEXT)
    pdf.set_font("NotoSansSC", size=8)
    for moment in case.timeline:
        pdf.multi_cell(0, 4.5, f"    {moment.local}  {moment.what}  trace {moment.trace_id or '—'}", **NEXT)
    pdf.ln(1)


def render_pdf(letter: Letter) -> bytes:
    """The letter: title, body, the evidence cases with their timelines and trace ids, the issuer."""
    pdf = _document()
    pdf.set_font("NotoSansSC", size=18)
    pdf.cell(0, 12, TITLE, align="C", **NEXT)
    pdf.set_font("NotoSansSC", size=11)
    pdf.cell(0, 6, f"编号：{letter.finding.finding_id}", **NEXT)
    for paragraph in paragraphs(letter):
        pdf.multi_cell(0, 7, paragraph, align="L", **NEXT)
    pdf.ln(3)
    pdf.cell(
        0,
        7,
        f"证据（共 {letter.finding.evidence['occurrences']} 次，列出 {len(letter.cases)} 件案件）：",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for case in letter.cases:
        _evidence(pdf, case)
    pdf.set_font("NotoSansSC", size=11)
    pdf.cell(0, 8, ISSUER, align="R", **NEXT)
    return bytes(pdf.output())
