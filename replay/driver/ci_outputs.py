"""What a CI system reads at the end of a run: the JUnit report and the GitHub job summary.

    make_junit_folder(config)                            # at start: a bad path fails now
    ok = write_ci_outputs(summary, config, os.environ)   # after summary.json is written

`--junit-xml PATH` writes the verdict as JUnit XML (replay.results.junit); when the environment
names a GITHUB_STEP_SUMMARY file, the run's Markdown summary is appended to it
(replay.results.step_summary). Called once per run by the process that writes summary.json
(a local run, or the master). Returns False, after logging why, when a file could not be
written: the run's own outputs are already on disk.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from replay.driver.options import ReplayConfig
from replay.errors import ConfigError
from replay.results.junit import write_junit
from replay.results.step_summary import ENV_VAR, append_step_summary

logger = logging.getLogger(__name__)


def make_junit_folder(config: ReplayConfig) -> None:
    """Create the --junit-xml file's folder now, so that an unusable path fails before the run."""
    if not config.junit_xml:
        return
    folder = os.path.dirname(os.path.abspath(config.junit_xml))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--junit-xml {config.junit_xml}: cannot create the folder {folder} "
                          f"({error.strerror or error}); give a path in a writable folder"
                          ) from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"--junit-xml {config.junit_xml}: the folder {folder} is not writable; "
                          "give a path in a writable folder")


def write_ci_outputs(summary: Mapping[str, Any], config: ReplayConfig,
                     environ: Mapping[str, str]) -> bool:
    """Write the JUnit report and append the step summary, as configured; False on failure."""
    ok = True
    if config.junit_xml:
        try:
            write_junit(config.junit_xml, summary)
            logger.info("JUnit report: %s", config.junit_xml)
        except OSError as error:
            logger.error("--junit-xml %s: cannot write the JUnit report (%s)", config.junit_xml,
                         error.strerror or error)
            ok = False
    try:
        append_step_summary(summary, environ)
    except OSError as error:
        logger.error("%s=%s: cannot append the job summary (%s)", ENV_VAR, environ.get(ENV_VAR),
                     error.strerror or error)
        ok = False
    return ok
