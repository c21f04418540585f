"""Names with markup in the class list.

nbgrader's formgrader writes a student's first and last name unescaped into the submission
page (test_injection.py's name-first vector runs there without the CSP). The class list comes
from the LMS, where a student may set their own name, so nnlab refuses such a list where it reads
it (`nnlab import-lms --students`), naming the line; the formgrader's CSP
(nnlab/formgrader_csp.py) covers the names nbgrader's own commands import.
"""
from __future__ import annotations

import pytest

from nnlab.lms.roster import LmsImportError, name_problem, read_students

HEADER = "id,first_name,last_name,email\n"


@pytest.mark.parametrize("name", ["<img src=x onerror=alert(1)>", "Ada<script>", 'Ann"onmouseover="x',
                                  "back`tick", "x\\u003c", "tab\there"])
def test_a_name_with_markup_is_refused(name):
    assert name_problem(name)


@pytest.mark.parametrize("name", ["Ada", "O'Brien", "Zoë-Anne", "Nguyễn Văn", "José María", "Smith & Sons"])
def test_real_names_pass(name):
    assert name_problem(name) is None


def test_the_class_list_is_refused_at_the_line_of_the_name(tmp_path):
    csv = tmp_path / "students.csv"
    csv.write_text(HEADER + "ada,Ada,Lovelace,ada@example.org\n"
                   "mal,<img src=x onerror=eval(atob('YWxlcnQoMSk='))>,Hostile,mal@example.org\n")
    with pytest.raises(LmsImportError, match=r"students.csv line 3: name .*contains < >"):
        read_students(csv)


def test_a_last_name_is_checked_too(tmp_path):
    csv = tmp_path / "students.csv"
    csv.write_text(HEADER + 'ada,Ada,"Love""lace",ada@example.org\n')
    with pytest.raises(LmsImportError, match=r"line 2: name 'Love\"lace' contains \""):
        read_students(csv)
