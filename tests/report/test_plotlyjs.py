"""The embedded chart library: plotly.js from the installed package, gzipped and base64-encoded."""

from __future__ import annotations

import base64
import gzip

from plotly.offline import get_plotlyjs

from replay.report.plotlyjs import BUNDLE_ELEMENT_ID, PLOTLY_LOADER_JS, plotly_bundle


def test_bundle_is_the_installed_plotly_js_gzipped():
    assert gzip.decompress(base64.b64decode(plotly_bundle())).decode() == get_plotlyjs()


def test_bundle_is_well_under_the_size_budget():
    assert len(plotly_bundle()) < 2_200_000  # 4.8 MB of JavaScript, about 2 MB embedded


def test_loader_reads_the_bundle_element_and_inflates_it_in_the_browser():
    assert f'getElementById("{BUNDLE_ELEMENT_ID}")' in PLOTLY_LOADER_JS
    assert 'new DecompressionStream("gzip")' in PLOTLY_LOADER_JS
