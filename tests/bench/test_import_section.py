"""bench.import_section and bench.importers: the import benchmark measures what it says."""

from __future__ import annotations

import tempfile

from bench.import_section import import_figures
from bench.importers import run


def measured(contact_lens_mps: float) -> dict:
    one = {"files": 10, "messages": 400, "file_mib": 1.0, "reference_s": 0.01,
           "reference_mps": 40000.0, "reference_peak_rss_mib": 20.0, "import_s": 0.02,
           "import_mps": contact_lens_mps, "import_peak_rss_mib": 190.0,
           "import_growth_mib": 30.0, "output_mib": 0.1}
    return {"contact_lens": one, "transcribe": dict(one, import_mps=30000.0)}


def test_each_format_gets_import_and_reference_rates_and_memory_over_the_repeats():
    figures = {f.key: f for f in import_figures([measured(150000.0), measured(130000.0)],
                                                judged=True)}
    assert sorted(figures) == sorted(
        f"import.{fmt}.{field}" for fmt in ("contact_lens", "transcribe")
        for field in ("import_mps", "reference_mps", "import_peak_rss_mib", "import_growth_mib"))
    assert figures["import.contact_lens.import_mps"].samples == (150000.0, 130000.0)
    target = figures["import.contact_lens.import_mps"].target
    assert (target.op, target.value) == (">=", 100_000)
    assert figures["import.transcribe.import_mps"].target is None


def test_an_unjudged_run_has_no_targets():
    assert all(f.target is None for f in import_figures([measured(1.0)], judged=False))


def test_a_small_real_run_imports_every_generated_message(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run(files=12)
    for key, per_file in (("contact_lens", 40), ("transcribe", 20)):
        assert result[key]["messages"] == 12 * per_file
        assert result[key]["import_mps"] > 0 and result[key]["reference_mps"] > 0
    assert run(files=12)["contact_lens"]["file_mib"] == result["contact_lens"]["file_mib"]
