"""The report to hand round: `locality report` writes a self-contained HTML file and a PDF,
each with the question, the verdict with its ranges, every chart and how to reproduce it;
the PDF's pages open as images."""

import html
import re

import numpy as np
import pypdfium2 as pdfium
import pytest

from locality.experiments import cli
from locality.experiments.paired import compare_paired

pytestmark = pytest.mark.slow  # runs A and B on three seeds, then draws and sets a PDF

ARGS = ["sherwood", "--households", "300", "--years", "2", "--set", "run.warmup_weeks=4", "--set", "budget.cut=0.2"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["report", *ARGS, "--reps", "3", "--workers", "2", "--out", str(out), "--overwrite"]) == 0
    return out


def test_the_html_is_self_contained_and_holds_the_verdict_and_every_chart(report):
    page = (report / "report.html").read_text(encoding="utf-8")
    verdict = compare_paired("sherwood", common={"population.households": 300, "run.years": 2, "run.warmup_weeks": 4,
                                                 "budget.cut": 0.2}, reps=3, workers=2).verdict()
    for line in verdict:
        assert html.escape(line) in page
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 2  # bands, who pays
    assert 'src="http' not in page and "<link" not in page and "<script" not in page  # nothing fetched
    assert "Budget cut" in page and "locality report sherwood --reps 3" in page


def test_the_pdf_pages_open_as_images_and_say_the_verdict(report):
    pdf = pdfium.PdfDocument(str(report / "report.pdf"))
    assert len(pdf) >= 3
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "The answer" in text and "Crises:" in text and "How to reproduce this" in text
    for i in range(len(pdf)):
        image = np.asarray(pdf[i].render(scale=0.5).to_pil().convert("L"))
        assert min(image.shape) > 50 and (image < 200).mean() > 0.005  # a page with something on it
    pdf.close()
