"""Sources: files, directories, globs, .gz, and S3 URLs read from a real S3 API server (moto).

What reads S3 runs in a fresh interpreter (see conftest.py for why).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil

import pytest

from replay.errors import DatasetError
from replay.importers.model import SourceProblem
from replay.importers.sources import Source, find_sources

from .conftest import AGENT, BUCKET, FIXTURES, START

TREE = FIXTURES / "contact-lens"


def _tree_objects(prefix: str, gzipped: str = "") -> dict[str, bytes]:
    objects = {}
    for path in sorted(TREE.rglob("*.json")):
        key = f"{prefix}{path.relative_to(TREE).as_posix()}"
        body = path.read_bytes()
        if gzipped and gzipped in path.name:
            key, body = key + ".gz", gzip.compress(body, mtime=0)
        objects[key] = body
    return objects


def test_an_s3_prefix_imports_the_same_bytes_as_the_same_files_on_disk(s3, tmp_path,
                                                                        run_import):
    s3.upload(_tree_objects("same/", gzipped="1f2e3d4c"))
    common = ("--out", "--agent-id", AGENT, "--start-at", START)
    local, remote = tmp_path / "local.parquet", tmp_path / "remote.parquet"
    done = run_import("contact-lens", TREE, common[0], local, *common[1:])
    assert done.code == 0, done.err
    done = s3.run_import("contact-lens", f"s3://{BUCKET}/same/", common[0], remote, *common[1:])
    assert done.code == 0, done.err
    assert remote.read_bytes() == local.read_bytes()
    assert "files read   3 of 5" in done.out


def test_an_s3_glob_lists_only_matching_objects(s3):
    s3.upload(_tree_objects("glob/"))
    done = s3.python("""
        import json, sys
        from replay.importers.sources import find_sources
        sources = find_sources([sys.argv[1]], (".json",))
        print(json.dumps({"names": [source.name for source in sources],
                          "display": sources[0].display,
                          "first_byte": sources[0].read_bytes()[:1].decode()}))
    """, f"s3://{BUCKET}/glob/Analysis/Voice/Redacted/**/*.json")
    assert done.code == 0, done.err
    found = json.loads(done.out)
    assert found["names"] == [
        "5d6e7f80-9a1b-4c2d-8e3f-40a1b2c3d4e5_analysis_redacted_2025-11-25T10:02:15Z.json",
        "7c1e2f3a-4b5d-4e6f-8a9b-0c1d2e3f4a5b_analysis_redacted_2025-11-25T09:14:03Z.json",
    ]
    assert found["display"].startswith(f"s3://{BUCKET}/glob/Analysis/Voice/Redacted/")
    assert found["first_byte"] == "{"


def test_a_missing_s3_prefix_is_a_clear_error(s3):
    s3.upload({})
    done = s3.python("""
        import sys
        from replay.errors import DatasetError
        from replay.importers.sources import find_sources
        try:
            find_sources([sys.argv[1]], (".json",))
        except DatasetError as error:
            print(error)
    """, f"s3://{BUCKET}/nothing-here/")
    assert done.code == 0, done.err
    assert done.out == f"s3://{BUCKET}/nothing-here/: no such object or prefix; check the URL\n"


def test_a_directory_is_searched_recursively_for_the_formats_files_skipping_hidden_ones(
    tmp_path,
):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".cache").mkdir()
    for name in ("a/b/one.json", "a/two.json.gz", "three.JSON", "a/notes.txt", ".cache/x.json",
                 "a/.hidden.json"):
        (tmp_path / name).write_text("{}")
    names = [source.display for source in find_sources([str(tmp_path)], (".json",))]
    assert names == [str(tmp_path / "a/b/one.json"), str(tmp_path / "a/two.json.gz"),
                     str(tmp_path / "three.JSON")]


def test_globs_and_repeated_sources_give_each_file_once_in_sorted_order(tmp_path):
    for name in ("b.json", "a.json", "c.vtt"):
        (tmp_path / name).write_text("{}")
    sources = find_sources([f"{tmp_path}/*.json", str(tmp_path / "a.json")], (".json",))
    assert [source.name for source in sources] == ["a.json", "b.json"]


def test_gzip_files_are_decompressed_and_a_bad_one_is_named(tmp_path):
    good, bad = tmp_path / "call.json.gz", tmp_path / "bad.json.gz"
    good.write_bytes(gzip.compress(b'{"ok": 1}'))
    bad.write_bytes(b"not gzip at all")
    assert Source(str(good)).name == "call.json"
    assert Source(str(good)).read_bytes() == b'{"ok": 1}'
    with pytest.raises(SourceProblem) as problem:
        Source(str(bad)).read_bytes()
    assert problem.value.reason == "not valid gzip"


@pytest.mark.parametrize(("argument", "message"), [
    ("{tmp}/missing", "{tmp}/missing: no such file or directory; check the path"),
    ("{tmp}/*.json", "{tmp}/*.json: the pattern matches no files"),
    ("{tmp}", "{tmp}: the directory holds no .json (optionally .gz) files"),
])
def test_sources_that_find_nothing_are_clear_errors(tmp_path, argument, message):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(DatasetError) as error:
        find_sources([argument.format(tmp=tmp_path)], (".json",))
    assert str(error.value) == message.format(tmp=tmp_path)


def test_a_gzipped_tree_imports_like_the_plain_one(tmp_path, run_import):
    plain = tmp_path / "plain"
    shutil.copytree(TREE, plain)
    zipped = tmp_path / "zipped"
    for path in plain.rglob("*.json"):
        target = zipped / path.relative_to(plain).with_suffix(".json.gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(path.read_bytes()))
    outs = []
    for folder in (plain, zipped):
        out = tmp_path / f"{folder.name}.parquet"
        done = run_import("contact-lens", folder, "--out", out, "--agent-id", AGENT,
                          "--start-at", START)
        assert done.code == 0, done.err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_a_store_whose_package_is_missing_names_that_package():
    pytest.importorskip("fsspec")
    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed here")
    with pytest.raises(DatasetError) as error:
        find_sources(["gs://bucket/transcripts/"], (".json",))
    assert str(error.value).startswith("gs://bucket/transcripts/: reading this store needs a "
                                       "package that is not installed (")
    assert "gcsfs" in str(error.value)
    assert "s3fs" not in str(error.value)
