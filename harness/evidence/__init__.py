"""Evidence: JSON Schema, append-only JSONL writer with redaction, streaming reader."""

from harness.evidence.reader import BadLine, ReadResult, evidence_files, evidence_schema, iter_records
from harness.evidence.redact import Redactor, redact
from harness.evidence.writer import EvidenceWriter, FileSink, MemorySink

__all__ = [
    "BadLine", "EvidenceWriter", "FileSink", "MemorySink", "ReadResult", "Redactor",
    "evidence_files", "evidence_schema", "iter_records", "redact",
]
