"""Segmentation tests' shared pieces: invented body paragraphs, a document segmented from text
(``doc_of``), its blocks' kinds and roles, and the check that nothing is lost or counted twice."""

from __future__ import annotations

from pathlib import Path

from translate.reading.files import RawDocument
from translate.text.segment import segment

BODY = ("أعلنت الوزارة اليوم عن برنامج جديد لدعم المشاريع الصغيرة في المحافظات، وقالت إنه سيبدأ مطلع "
        "الشهر المقبل بمشاركة عدد من المصارف المحلية.")
BODY2 = "وأوضح المتحدث باسم الوزارة أن البرنامج يستهدف آلاف الشباب العاطلين عن العمل في المدن والأرياف معا."
BODY3 = "وأشار إلى أن الحكومة خصصت مبلغا كبيرا لهذا البرنامج ضمن موازنة العام المقبل التي أقرها البرلمان."


def doc_of(text: str, fmt: str = "txt", patterns=None):
    return segment(RawDocument(path=Path(f"x.{fmt}"), data_sha256="0", encoding="utf-8", format=fmt, text=text),
                   patterns=patterns)


def kinds(doc) -> list[tuple[str, str | None]]:
    return [(b.kind, b.role) for b in doc.blocks]


def assert_partition(doc) -> None:
    """Every character of the file is in exactly one block, and in exactly one sentence of it."""
    assert "".join(doc.text[b.span[0]:b.span[1]] for b in doc.blocks) == doc.text
    for block in doc.blocks:
        assert "".join(doc.text[s.span[0]:s.span[1]] for s in block.sentences) == doc.text[block.span[0]:block.span[1]]
