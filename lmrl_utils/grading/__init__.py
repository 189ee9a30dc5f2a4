"""What a test cell needs, in one import line: the friendly checks and the provenance check.

    from lmrl_utils.grading import CheckFailed, check_close, check_written_here

`checks` holds the checks (tensors, numpy arrays, lists, dicts, strings, numbers), `provenance` the check that a
graded item is the student's own code, `feedback` nbgrader's preprocessor for hidden-test messages.
"""

__all__ = [
    "CheckFailed",
    "check_actions",
    "check_array",
    "check_at_least",
    "check_close",
    "check_dtype",
    "check_equal",
    "check_finite",
    "check_same_list",
    "check_same_mapping",
    "check_same_text",
    "check_shape",
    "check_sums_to_one",
    "check_type",
    "check_written_here",
]


def __getattr__(name: str):
    """Import the checks on first use, so the grader's own processes (nbgrader, lmrl-grade) never import torch."""
    if name == "check_written_here":
        from lmrl_utils.grading import provenance

        return provenance.check_written_here
    if name in __all__:
        from lmrl_utils.grading import checks

        return getattr(checks, name)
    raise AttributeError(f"module 'lmrl_utils.grading' has no attribute {name!r}")
