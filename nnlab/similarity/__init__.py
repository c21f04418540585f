"""`nnlab similarity A`: which students' own code in an assignment is alike, as leads for a person to
judge. The code cells of each submission (the released template's code taken out) are compared with
copydetect (winnowing over tokens, as MOSS does, offline and with a stable hash); the page and the CSV
go to reports/A/. This package asks nnlab.course for paths and nothing else of nnlab."""
from nnlab.similarity.code import Submission, read_submission, reference_submissions, template_code
from nnlab.similarity.compare import Pair, similar_pairs, stable_kgram_hashes
from nnlab.similarity.page import write_csv, write_page
from nnlab.similarity.run import Result, similarity_report

__all__ = ["Pair", "Result", "Submission", "read_submission", "reference_submissions",
           "similar_pairs", "similarity_report", "stable_kgram_hashes", "template_code", "write_csv", "write_page"]
