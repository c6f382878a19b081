"""Reports: the verdict model rendered as JSON, Markdown, self-contained HTML and a matrix."""

from harness.report.model import REPORT_SCHEMA, adapter_dict
from harness.report.writer import build_matrix, point_latest, safe_name, write_reports

__all__ = ["REPORT_SCHEMA", "adapter_dict", "build_matrix", "point_latest", "safe_name", "write_reports"]
