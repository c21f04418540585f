"""Pairwise similarity of submissions with copydetect (winnowing over filtered tokens, as MOSS does).

copydetect fingerprints each k-gram of the filtered code with Python's built-in `hash()`, which is
salted per process (PYTHONHASHSEED): the k-grams kept by winnowing, and so the figures, would change
from one run to the next. We replace its `copydetect.utils.hashed_kgrams` (the one place it hashes,
called by `get_document_fingerprints`, which both `CodeFingerprint` and its boilerplate use) with
`stable_kgram_hashes`, a blake2b of the k-gram's UTF-8 bytes: the same figures in every process, on
every machine, with no subprocess to start. copydetect is pinned (constraints.txt), and
`_install_stable_hash` refuses to run if the function it replaces is gone."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect import utils as copydetect_utils

from nnlab.similarity.code import Submission
from nnlab.similarity.defaults import GUARANTEE_THRESHOLD, NOISE_THRESHOLD


def stable_kgram_hashes(string: str, k: int) -> np.ndarray:
    """copydetect's `hashed_kgrams` with a hash that is the same in every process: the first 8 bytes of
    the blake2b of each k-gram, as a signed 64-bit integer (the range of `hash()`)."""
    hashes = [int.from_bytes(hashlib.blake2b(string[i:i + k].encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                             "little", signed=True)
              for i in range(len(string) - k + 1)]
    return np.array(hashes, dtype=np.int64)


def _install_stable_hash() -> None:
    if getattr(copydetect_utils, "hashed_kgrams", None) is stable_kgram_hashes:
        return
    if not callable(getattr(copydetect_utils, "hashed_kgrams", None)):
        raise RuntimeError("copydetect.utils.hashed_kgrams is gone: this copydetect is not the pinned one "
                           "(constraints.txt), and its fingerprints would depend on PYTHONHASHSEED")
    copydetect_utils.hashed_kgrams = stable_kgram_hashes


_install_stable_hash()


@dataclass
class Pair:
    """Two submissions and how much of each one's code is found in the other."""
    a: Submission
    b: Submission
    similarity_a: float      # the share of a's compared tokens matched in b
    similarity_b: float
    matched_tokens: int      # filtered tokens of a in the matched stretches
    slices_a: np.ndarray     # 2xN: starts and ends of the matched stretches in a.code
    slices_b: np.ndarray

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)

    @property
    def with_reference(self) -> bool:
        return self.a.reference or self.b.reference


def fingerprint(sub: Submission, boilerplate: np.ndarray, noise: int, guarantee: int) -> CodeFingerprint:
    _install_stable_hash()
    return CodeFingerprint(f"{sub.name}.py", noise, guarantee - noise + 1, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(sub.code))


def boilerplate_hashes(template: str, noise: int = NOISE_THRESHOLD) -> np.ndarray:
    """Every k-gram hash of the template's code (window 1, as copydetect takes boilerplate)."""
    _install_stable_hash()
    if not template.strip():
        return np.array([], dtype=np.int64)
    return np.unique(np.array(sorted(CodeFingerprint("template.py", noise, 1, language="python",
                                                     fp=io.StringIO(template)).hashes), dtype=np.int64))


def similar_pairs(students: list[Submission], references: list[Submission] = (), template: str = "",
            noise: int = NOISE_THRESHOLD, guarantee: int = GUARANTEE_THRESHOLD) -> list[Pair]:
    """Every pair of students, and every student with every reference (references are not compared
    among themselves), most similar first. Submissions without code are left out."""
    if guarantee < noise:
        raise ValueError(f"the guarantee threshold ({guarantee}) is below the noise threshold ({noise})")
    boiler = boilerplate_hashes(template, noise)
    students = [s for s in students if s.code.strip()]
    references = [r for r in references if r.code.strip()]
    prints = {id(s): fingerprint(s, boiler, noise, guarantee) for s in [*students, *references]}
    pairs = []
    todo = [(a, b) for i, a in enumerate(students) for b in students[i + 1:]]
    todo += [(a, r) for a in students for r in references]
    for a, b in todo:
        fa, fb = prints[id(a)], prints[id(b)]
        if fa.token_coverage == 0 or fb.token_coverage == 0:
            continue
        tokens, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
        pairs.append(Pair(a, b, float(sim_a), float(sim_b), int(tokens),
                          np.asarray(slices_a).reshape(2, -1).astype(int), np.asarray(slices_b).reshape(2, -1).astype(int)))
    pairs.sort(key=lambda p: (-round(p.similarity, 6), -p.matched_tokens, p.a.name, p.b.name))
    return pairs
