"""plotly.js for an offline page: the bundle the plotly package ships, gzipped and base64-encoded.

    PLOTLY_LOADER_JS  # async loadPlotly(): decompresses the bundle in the page and runs it
    plotly_bundle()   # the base64 text to put in <script type="application/octet-stream" id=...>

plotly.min.js is 4.8 MB; gzipped and base64-encoded it is about 2 MB, which keeps a report of a
million messages well under 5 MB. The page inflates it with the browser's DecompressionStream
(Chrome 80+, Firefox 113+, Safari 16.4+) and runs it from an inline script: nothing is fetched.
"""

from __future__ import annotations

import base64
import functools
import gzip

from plotly.offline import get_plotlyjs

BUNDLE_ELEMENT_ID = "plotly-js-gzip"

PLOTLY_LOADER_JS = """
async function loadPlotly() {
  if (window.Plotly) return;
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot inflate the embedded charts library " +
                    "(DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+)");
  }
  const packed = atob(document.getElementById("BUNDLE_ID").textContent.trim());
  const bytes = new Uint8Array(packed.length);
  for (let i = 0; i < packed.length; i++) bytes[i] = packed.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const source = await new Response(stream).text();
  const script = document.createElement("script");
  script.textContent = source;
  document.head.appendChild(script);
  if (!window.Plotly) throw new Error("the embedded plotly.js did not load");
}
""".replace("BUNDLE_ID", BUNDLE_ELEMENT_ID)


@functools.cache
def plotly_bundle() -> str:
    """plotly.min.js from the installed plotly package, gzip level 9, base64 (about 2 MB)."""
    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")
