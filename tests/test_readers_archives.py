"""Folders and archives: WhatsApp and Slack zips, mixed folders, unsafe and hostile archives."""

from __future__ import annotations

import gzip
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import budgets
from powerlens.readers.archive import safe_name

DATA = REPO / "tests" / "data"
IOS = DATA / "whatsapp" / "ios_uk.txt"
ANDROID = DATA / "whatsapp" / "android_us.txt"


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_whatsapp_ios_zip_without_media_reads_like_its_text(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "WhatsApp Chat - Ray Dunn.zip", {"_chat.txt": IOS.read_bytes()})
    [from_zip] = powerlens.load(archive)
    [from_text] = powerlens.load(IOS)
    assert from_zip.id == "WhatsApp Chat - Ray Dunn"
    assert from_zip.source == f"{archive}/_chat.txt"
    assert [(u.speaker, u.text, u.start) for u in from_zip.utterances] == [
        (u.speaker, u.text, u.start) for u in from_text.utterances
    ]
    assert from_zip.rejected == from_text.rejected
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".powerlens")]


def test_whatsapp_android_zip_with_media_records_the_media(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "WhatsApp Chat with Ray Dunn.zip", {
        "WhatsApp Chat with Ray Dunn.txt": ANDROID.read_bytes(),
        "IMG-20231229-WA0001.jpg": b"\xff\xd8\xff\xe0 not really a photo",
        "PTT-20231229-WA0002.opus": b"OggS",
    })
    [conv] = powerlens.load(archive)
    assert conv.id == "WhatsApp Chat with Ray Dunn"
    assert [r.reason for r in conv.rejected[:2]] == [
        "IMG-20231229-WA0001.jpg: not read (media or document file in the export)",
        "PTT-20231229-WA0002.opus: not read (media or document file in the export)",
    ]
    [text] = powerlens.load(ANDROID)
    assert conv.read_count == text.read_count + 2


def test_slack_workspace_zip_is_read_as_the_export(tmp_path: Path) -> None:
    export = DATA / "slack" / "export"
    archive = Path(shutil.make_archive(str(tmp_path / "Acme Slack export"), "zip", export))
    from_zip = powerlens.load(archive)
    from_folder = powerlens.load(export)
    assert [(c.id, [(u.speaker, u.text) for u in c.utterances]) for c in from_zip] == [
        (c.id, [(u.speaker, u.text) for u in c.utterances]) for c in from_folder
    ]
    assert from_zip[0].source == f"{archive}/general"


def test_slack_zip_with_a_top_folder(tmp_path: Path) -> None:
    export = DATA / "slack" / "export"
    members = {f"acme/{p.relative_to(export).as_posix()}": p.read_bytes()
               for p in export.rglob("*") if p.is_file()}
    [general, random] = powerlens.load(zip_of(tmp_path / "acme.zip", members))
    assert (general.id, random.id) == ("general", "random")


def test_folder_of_mixed_exports_reads_each_in_its_format(tmp_path: Path) -> None:
    shutil.copy(IOS, tmp_path / "family.txt")
    shutil.copy(DATA / "subtitles" / "zoom.vtt", tmp_path / "meeting.vtt")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00")
    (tmp_path / "link.txt").symlink_to(IOS)
    conversations = powerlens.load(tmp_path)
    assert [c.id for c in conversations] == ["family", "meeting"]
    first = conversations[0]
    reasons = [r.reason for r in first.rejected if r.line is None]
    assert reasons == [
        "link.txt: not read (symbolic link, not followed)",
        "notes.bin: not read ([PL102] line 1: looks like a binary file (it contains NUL bytes); "
        "expected text. Fix: pass a text export of the conversation (a .zip is read as an "
        "archive).)",
        "photo.jpg: not read (media or document file in the export)",
    ]
    assert first.meta["hidden_files_skipped"] == 1


def test_folder_with_nothing_readable_is_refused(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    with pytest.raises(InputError) as caught:
        powerlens.load(tmp_path)
    assert caught.value.code == "PL116"
    assert "photo.jpg: not read (media or document file" in caught.value.message


def test_folder_named_with_a_file_format_reads_its_files(tmp_path: Path) -> None:
    """Issue 15: --input-format plain with a folder was an IsADirectoryError."""
    (tmp_path / "a.txt").write_text("Ann: hi\nBo: yo\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("no turns here at all\n" * 7, encoding="utf-8")
    [conv] = powerlens.load(tmp_path, format="plain")
    assert [u.text for u in conv.utterances] == ["hi", "yo"]
    assert conv.rejected[0].reason.startswith("b.txt: not read ([PL111]")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("_chat.txt", "_chat.txt"),
        ("a/./b.txt", "a/b.txt"),
        ("a\\b.txt", "a/b.txt"),
        ("../evil.txt", None),
        ("a/../../evil.txt", None),
        ("/etc/passwd", None),
        ("C:/Windows/x.txt", None),
        ("x\x00.txt", None),
        ("", None),
        ("a/" + "x" * 300, None),
    ],
)
def test_archive_member_names_never_escape(name: str, safe: str | None) -> None:
    found = safe_name(name)
    assert (found.as_posix() if found is not None else None) == safe


def test_archive_unsafe_members_are_recorded_not_written(tmp_path: Path) -> None:
    archive = tmp_path / "odd.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("chat.txt", "Ann: hi\nBo: yo\n")
        handle.writestr("../escape.txt", "Ann: out\n")
        link = zipfile.ZipInfo("link.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        handle.writestr(link, "/etc/passwd")
        handle.writestr("__MACOSX/._chat.txt", "junk")
    [conv] = powerlens.load(archive)
    assert [r.reason for r in conv.rejected if r.line is None] == [
        "'../escape.txt': not unpacked (unsafe path)",
        "link.txt: not unpacked (symbolic link)",
    ]
    assert not (tmp_path.parent / "escape.txt").exists()


def test_zip_bomb_is_refused_while_unpacking(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "bomb.zip", {"chat.txt": b"Ann: " + b"a" * (3 * 2**20)})
    with budgets.limits(decompressed_mb=1), pytest.raises(InputError) as caught:
        powerlens.load(archive)
    assert caught.value.code == "PL108"
    assert "--limit decompressed-mb=" in str(caught.value)
    assert archive.stat().st_size < 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".powerlens")]


def test_zip_that_lies_about_its_size_is_still_stopped(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "liar.zip", {"chat.txt": b"Ann: " + b"a" * (3 * 2**20)})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as handle:
        info = handle.infolist()[0]
    real = (3 * 2**20 + 5).to_bytes(4, "little")
    for at in (data.find(real), data.rfind(real)):  # local header and central directory
        data[at:at + 4] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    assert info.file_size == 3 * 2**20 + 5
    with budgets.limits(decompressed_mb=1), pytest.raises(InputError) as caught:
        powerlens.load(archive)
    assert caught.value.code in ("PL108", "PL118")  # counted while unpacking, or caught as corrupt


def test_too_many_members_and_corrupt_archives(tmp_path: Path) -> None:
    many = zip_of(tmp_path / "many.zip", {f"{i}.txt": b"Ann: hi\n" for i in range(12)})
    with budgets.limits(members=10), pytest.raises(InputError) as caught:
        powerlens.load(many)
    assert caught.value.code == "PL117"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(many.read_bytes()[:200])
    with pytest.raises(InputError) as caught:
        powerlens.load(broken)
    assert caught.value.code == "PL118"
    empty = zip_of(tmp_path / "empty.zip", {"photo.jpg": b"\xff\xd8\xff"})
    with pytest.raises(InputError) as caught:
        powerlens.load(empty)
    assert caught.value.code == "PL116"


def test_nested_archive_is_not_unpacked(tmp_path: Path) -> None:
    inner = zip_of(tmp_path / "inner.zip", {"chat.txt": b"Ann: hi\n"})
    outer = zip_of(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes(),
                                            "chat.txt": b"Bo: yo\nAnn: ok\n"})
    [conv] = powerlens.load(outer)
    assert conv.rejected[0].reason == "inner.zip: not read (an archive inside an archive is not unpacked)"


def test_gzip_file_is_read_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt.gz"
    path.write_bytes(gzip.compress(b"Ann: hi\nBo: yo\n"))
    [conv] = powerlens.load(path)
    assert (conv.id, conv.source, len(conv.utterances)) == ("chat", f"{path}/chat.txt", 2)
    big = tmp_path / "big.jsonl.gz"
    big.write_bytes(gzip.compress(b'{"speaker": "A", "text": "x"}\n' * 100_000))
    with budgets.limits(decompressed_mb=1), pytest.raises(InputError) as caught:
        powerlens.load(big)
    assert caught.value.code == "PL108"
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError) as caught:
        powerlens.load(bad)
    assert caught.value.code == "PL118"
