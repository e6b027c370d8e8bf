"""Anonymized copies of transcript datasets: keyed pseudonymous ids, personal data masked.

    settings = Settings(key=read_key("anonymize.key"), content="mask")
    report = anonymize_dataset("export.parquet", "safe.parquet", settings, LoadOptions())
    table, counts = anonymize_table(arrow_table, settings)     # one batch, for other writers

Modules: keys (the key file), pseudonyms (ids of the same shape, HMAC-SHA256), detect (personal
data in text), content (mask / synthetic / keep a column), table (one batch of rows), source
(read and validate batch by batch), sink (atomic streaming writer), dataset (file to file),
options (the command-line options, shared with `replay import`), step (anonymization as the
table transform of another writer, as `replay import --anonymize` uses it).
"""

from __future__ import annotations

from replay.anonymize.dataset import Report, Tally, anonymize_dataset
from replay.anonymize.detect import Detector
from replay.anonymize.keys import read_key, write_new_key
from replay.anonymize.pseudonyms import Pseudonyms
from replay.anonymize.table import BatchCounts, Settings, anonymize_table

__all__ = [
    "BatchCounts",
    "Detector",
    "Pseudonyms",
    "Report",
    "Settings",
    "Tally",
    "anonymize_dataset",
    "anonymize_table",
    "read_key",
    "write_new_key",
]
