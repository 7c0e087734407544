"""Representation diagnostics: layer-wise translation retrieval (middle-layer
paper, section 2) and cosine deviation (CL-ICP paper, appendix B.1)."""


from xtransfer_bench.errors import XtransferError


class AnalysisError(XtransferError, ValueError):
    """Settings the diagnostic cannot run with; the message names the fix."""
