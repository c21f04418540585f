"""nnlab: auto-graded exercises for an Introduction to Neural Networks course, built on nbgrader."""

__version__ = "0.1.0"
