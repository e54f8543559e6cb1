"""Synthetic corpora: deterministic letters in the archive's TEI practice, for scale tests."""

from archive.synth.generate import SYNTH_VERSION, generate_corpus, generate_letter, iter_corpus

__all__ = ["SYNTH_VERSION", "generate_corpus", "generate_letter", "iter_corpus"]
