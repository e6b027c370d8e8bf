"""The replay's Locust options: registered with env vars, parsed once, bad values named clearly.

Uses configargparse (Locust's parser library) directly, so the test process is not
monkey-patched by importing Locust.
"""

from __future__ import annotations

import subprocess
import sys

import configargparse
import pytest

from replay.driver.options import ReplayConfig, add_options, config_from_options, env_var
from replay.errors import ConfigError
from replay.options import specs


def parse(argv: list[str], env: dict[str, str] | None = None, monkeypatch=None):
    parser = configargparse.ArgumentParser()
    add_options(parser)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return parser.parse_args(argv)


def config(argv: list[str], host: str | None = "http://127.0.0.1:8080", **kwargs):
    return config_from_options(parse(["--dataset", "d.parquet", *argv], **kwargs), host=host)


def test_defaults_replay_in_real_time_with_json_and_no_auth():
    cfg = config([])
    assert cfg.plan.speed == 1.0
    assert cfg.plan.send_at == "end"
    assert cfg.request.content_type == "json"
    assert cfg.jwt is None
    assert cfg.retries == 0
    assert cfg.timeout_s == 30.0
    assert cfg.endpoint.base_url == "http://127.0.0.1:8080/telephony/v1"


def test_speed_max_means_unpaced():
    assert config(["--speed", "max"]).plan.speed is None


def test_every_option_is_also_an_environment_variable(monkeypatch):
    cfg = config([], env={"REPLAY_SPEED": "25", "REPLAY_RETRIES": "3", "REPLAY_LIFECYCLE": "true"},
                 monkeypatch=monkeypatch)
    assert cfg.plan.speed == 25.0
    assert cfg.retries == 3
    assert cfg.lifecycle is True


@pytest.mark.parametrize(("flag", "name"), [("--speed", "REPLAY_SPEED"),
                                            ("--max-concurrency", "REPLAY_MAX_CONCURRENCY"),
                                            ("--jwt-key", "REPLAY_JWT_KEY")])
def test_env_var_names_are_replay_and_the_flag_in_capitals(flag, name):
    assert env_var(flag) == name


def test_no_option_clashes_with_locusts_own():
    """Locust's parser is built in a subprocess (importing Locust monkey-patches the process)."""
    code = (
        "from locust.argument_parser import get_parser\n"
        "print(' '.join(s for a in get_parser()._actions for s in a.option_strings))"
    )
    locust_flags = set(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                      text=True, timeout=60, check=True).stdout.split())
    assert "--host" in locust_flags
    assert not locust_flags & {spec.option.flag for spec in specs(ReplayConfig)}


def test_jwt_options_build_the_token_settings(tmp_path):
    cfg = config(["--jwt-key", "k.pem", "--org-id", "00D1", "--call-center", "cc",
                  "--jwt-ttl", "600", "--jwt-audience", "https://scrt.salesforce.com",
                  "--clock-skew", "5"])
    assert (cfg.jwt.key_path, cfg.jwt.org_id, cfg.jwt.call_center) == ("k.pem", "00D1", "cc")
    assert cfg.jwt.ttl_s == 600
    assert cfg.jwt.audience == "https://scrt.salesforce.com"
    assert cfg.jwt.clock_skew_s == 5


def test_described_options_hold_the_key_path_but_no_key():
    described = config(["--jwt-key", "k.pem", "--org-id", "o", "--call-center", "c"]).described()
    assert described["jwt_key_path"] == "k.pem"
    assert described["speed"] == 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--speed", "fast"], "--speed must be a number or 'max', got 'fast'"),
        (["--speed", "0"], "--speed must be a positive number or 'max', got 0"),
        (["--speed", "-3"], "--speed must be a positive number or 'max', got -3"),
        (["--loops", "2.5"], "--loops must be a whole number, got '2.5'"),
        (["--loops", "0"], "--loops must be 1 or more, got 0"),
        (["--max-gap", "-1"], "--max-gap must be 0 or more seconds, got -1.0"),
        (["--sample", "2"], "--sample must be a fraction in (0, 1], got 2.0"),
        (["--retries", "-1"], "--retries must be at least 0, got -1"),
        (["--timeout", "0"], "--timeout must be at least 0.001, got 0"),
        (["--max-concurrency", "0"], "--max-concurrency must be at least 1, got 0"),
        (["--run-id", "a/b"], "--run-id 'a/b' must be a plain name (no /)"),
        (["--ca-bundle", "/nonexistent.pem"], "--ca-bundle /nonexistent.pem: no such file"),
        (["--jwt-key", "k.pem", "--call-center", "c"],
         "--org-id is required to sign tokens (the JWT's iss claim)"),
        (["--jwt-key", "k.pem", "--org-id", "o", "--call-center", "c", "--jwt-ttl", "90000"],
         "--jwt-ttl must be between 1 and 86400 seconds (24 h, the API's limit), got 90000"),
        (["--fail-on", "p95 is big"], "--fail-on"),
    ],
)
def test_bad_values_are_refused_naming_the_option(argv, message):
    with pytest.raises(ConfigError) as error:
        config(argv)
    assert str(error.value).startswith(message)


def test_dataset_is_required():
    with pytest.raises(ConfigError, match="--dataset is required"):
        config_from_options(parse([]), host="http://h")


def test_host_must_be_an_http_url():
    with pytest.raises(ConfigError, match="--host 'h:1' is not an http"):
        config([], host="h:1")


def test_ca_bundle_and_insecure_together_are_refused(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    with pytest.raises(ConfigError, match="contradict"):
        config(["--ca-bundle", str(bundle), "--insecure"])


def test_junit_xml_and_metrics_port_are_off_by_default():
    cfg = config([])
    assert (cfg.junit_xml, cfg.metrics_port) == (None, None)


def test_junit_xml_and_metrics_port_are_parsed(tmp_path):
    cfg = config(["--junit-xml", str(tmp_path / "junit.xml"), "--metrics-port", "9646"])
    assert (cfg.junit_xml, cfg.metrics_port) == (str(tmp_path / "junit.xml"), 9646)
    assert cfg.described()["junit_xml"] == str(tmp_path / "junit.xml")
    assert config(["--metrics-port", "0"]).metrics_port == 0


def test_junit_xml_naming_a_directory_is_refused(tmp_path):
    with pytest.raises(ConfigError) as error:
        config(["--junit-xml", str(tmp_path)])
    assert str(error.value) == (f"--junit-xml {tmp_path}: is a directory; give a file path such "
                                f"as {tmp_path / 'replay-junit.xml'}")


def test_junit_xml_ending_with_a_slash_is_refused_not_written_as_a_file(tmp_path):
    folder = f"{tmp_path / 'ci'}/"
    with pytest.raises(ConfigError) as error:
        config(["--junit-xml", folder])
    assert str(error.value) == (f"--junit-xml {folder}: names a folder (it ends with /); give a "
                                f"file path such as {folder}replay-junit.xml")


@pytest.mark.parametrize(("value", "message"), [
    ("70000", "--metrics-port must be a TCP port from 0 to 65535, got 70000"),
    ("-1", "--metrics-port must be a TCP port from 0 to 65535, got -1"),
    ("http", "--metrics-port must be a whole number, got 'http'"),
])
def test_a_bad_metrics_port_is_refused(value, message):
    with pytest.raises(ConfigError) as error:
        config(["--metrics-port", value])
    assert str(error.value) == message


def test_map_is_repeatable_and_dataset_options_reach_the_load_options():
    cfg = config(["--map", "content=Text", "--map", "senderType=Role", "--max-content-length",
                  "500", "--send-at", "start"])
    assert cfg.column_map == {"content": "Text", "senderType": "Role"}
    load = cfg.load_options()
    assert (load.max_content_length, load.order_by) == (500, "startTime")


def test_the_run_id_defaults_to_the_utc_time_once_per_config():
    cfg = config([])
    assert len(cfg.run_id) == len("20260101-120000")
    assert cfg.run_dir.endswith(cfg.run_id)


def test_described_options_come_from_the_registry():
    described = config(["--speed", "max", "--fail-on", "p95>300ms,error_rate>1%"]).described()
    assert described["speed"] == "max"
    assert described["fail_on"] == "p95>300ms,error_rate>1%"
    assert "dry_run" not in described and "run_id" not in described


def test_bulk_is_off_by_default_and_takes_the_contract_limits_when_on():
    assert config([]).bulk_settings is None
    bulk = config(["--bulk"]).bulk_settings
    assert (bulk.max_calls, bulk.max_messages, bulk.window_s) == (5, 5, 0.2)
    described = config(["--bulk"]).described()
    assert (described["bulk"], described["bulk_max_calls"], described["bulk_max_messages"],
            described["bulk_window_s"]) == (True, 5, 5, 0.2)


@pytest.mark.parametrize("argv, message", [
    (["--content-type", "xml"], "--bulk posts JSON only (the bulk endpoint takes no XML): drop "
                                "--content-type xml or --bulk"),
    (["--bulk-max-calls", "0"], "--bulk-max-calls must be at least 1, got 0"),
    (["--bulk-max-messages", "x"], "--bulk-max-messages must be a whole number, got 'x'"),
    (["--bulk-window", "0"], "--bulk-window must be at least 0.001, got 0"),
])
def test_bad_bulk_values_are_refused_naming_the_option(argv, message):
    with pytest.raises(ConfigError) as error:
        config(["--bulk", *argv])
    assert str(error.value) == message


def test_a_bulk_batch_option_without_bulk_is_refused():
    with pytest.raises(ConfigError) as error:
        config(["--bulk-max-calls", "3"])
    assert str(error.value) == ("--bulk-max-calls 3 applies only with --bulk (batches to POST "
                                "/voiceCalls/messages): add --bulk, or drop --bulk-max-calls")
    assert config(["--bulk", "--bulk-max-calls", "3"]).bulk_settings.max_calls == 3
    assert config(["--bulk-window", "0.2"]).bulk_settings is None  # the default is harmless


def test_jwt_minters_with_a_shared_token_is_refused():
    with pytest.raises(ConfigError) as error:
        config(["--jwt-mode", "shared", "--jwt-minters", "2"])
    assert str(error.value) == ("--jwt-minters 2 applies only with --jwt-mode per-request "
                                "(shared mode signs one token at a time itself): drop "
                                "--jwt-minters or --jwt-mode shared")
    assert config(["--jwt-minters", "2"]).jwt_minters == 2


def test_jwt_prefill_with_a_shared_token_is_refused():
    with pytest.raises(ConfigError) as error:
        config(["--jwt-mode", "shared", "--jwt-prefill", "1000"])
    assert str(error.value) == ("--jwt-prefill 1000 applies only with --jwt-mode per-request "
                                "(shared mode signs one token at a time itself): drop "
                                "--jwt-prefill or --jwt-mode shared")
    assert config(["--jwt-prefill", "1000"]).jwt_prefill == 1000
