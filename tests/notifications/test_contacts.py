"""The contacts file: units by any name the directory knows, every mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications.contacts import ContactsError, load_contacts, outbox_only
from plan_import.units import UnitDirectory, load_unit_directory
from settings import DATA_DIR


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory(DATA_DIR / "units.yaml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contacts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_reads(directory: UnitDirectory) -> None:
    book = load_contacts(DATA_DIR / "contacts.example.yaml", directory)
    office = book.for_unit("van-phong")
    assert office.digest and office.listed
    assert office.main.startswith("mailtos://") and office.fallbacks[0].startswith("zalo://")
    assert book.for_unit("cchc-vtlt").channels[1].startswith("zalo://")
    assert not book.for_unit("ttlt").listed
    assert book.for_unit("ttlt").channels == ("outbox://",)


def test_units_are_named_by_code_name_or_short_form(
    tmp_path: Path, directory: UnitDirectory
) -> None:
    path = write(
        tmp_path,
        """
units:
  Văn Phòng Sở: [outbox:///tmp/a]
  P.CCHC-VTLT:
    channels: [outbox:///tmp/b, "mailto://127.0.0.1:2525/cchc@example.org?from=n@example.org"]
    digest: true
  lanh-dao: outbox:///tmp/c
""",
    )
    book = load_contacts(path, directory)
    assert book.for_unit("van-phong").channels == ("outbox:///tmp/a",)
    assert book.for_unit("cchc-vtlt").digest
    assert len(book.for_unit("cchc-vtlt").fallbacks) == 1
    assert book.for_unit("lanh-dao").main == "outbox:///tmp/c"


def test_without_a_contacts_file_everything_goes_to_the_outbox(directory: UnitDirectory) -> None:
    book = load_contacts(None, directory)
    assert book == outbox_only()
    assert book.for_unit("van-phong").channels == ("outbox://",)


SECRET = "hunter22"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("units:\n  Phòng Kế toán: [outbox://]\n", r"units: Phòng Kế toán: not a unit"),
        (
            "units:\n  Các đơn vị thuộc Sở: [outbox://]\n",
            r"units: Các đơn vị thuộc Sở: not a unit",
        ),
        (
            "units:\n  van-phong: [outbox://]\n  Văn phòng Sở: [outbox://]\n",
            r"units: Văn phòng Sở: the same unit \(van-phong\) as 'van-phong'",
        ),
        ("units:\n  van-phong: []\n", r"units: van-phong: channels \[\]: List should have at"),
        ("units:\n  van-phong:\n", r"units: van-phong: channels \[\]: List should have at"),
        (
            f"units:\n  van-phong: [nosuch://user:{SECRET}@host]\n",
            r"units: van-phong: channels\[1\] apprise cannot use the contact URL nosuch://…",
        ),
        (
            "units:\n  van-phong: {channels: [outbox://], digest: sometimes}\n",
            r"units: van-phong: digest 'sometimes': Input should be a valid boolean",
        ),
        ("units:\n  van-phong: {urls: [outbox://]}\n", r"van-phong: unknown field\(s\) urls"),
        # The fallback one space too deep: YAML joins it to the main channel's line.
        (
            f"units:\n  van-phong:\n    - mailtos://nhachan:{SECRET}@smtp.example.org/a@b.c\n"
            "     - outbox://\n",
            r"units: van-phong: channels\[1\] .*has a space"
            r" inside.*Indent each channel's `-` alike",
        ),
        ("people: {}\n", r"unknown field\(s\) people"),
        ("units: [a, b]\n", r"units \['a', 'b'\]: Input should be a valid dictionary"),
        ("units: {van-phong: [outbox://]\n", r"not valid YAML \(line 2, column 1"),
        # The mistakes that used to print a password whole.
        (
            f"units: {{van-phong: [mailtos://nhachan:{SECRET}@smtp.example.org?from=a@b.c]\n",
            r"not valid YAML \(line 1, column \d+: expected ',' or '\]'",
        ),
        (
            f"units:\n  van-phong:\n    channels: mailtos:/nhachan:{SECRET}@smtp.example.org\n",
            r"channels '\(a text not shown\)': Input should be a valid list",
        ),
        (
            "units:\n  van-phong:\n    channels: [outbox://]\n"
            f"    digest: mailtos://nhachan:{SECRET}@smtp.example.org/a@b.c\n",
            r"digest 'mailtos://nhachan:\*\*\*\*@smtp.example.org/",
        ),
        (
            f"units: [mailtos://nhachan:{SECRET}@smtp.example.org/a@b.c]\n",
            r"units \['mailtos://nhachan:\*\*\*\*@smtp.example.org/.*valid dictionary",
        ),
    ],
)
def test_mistakes_are_refused_naming_the_file_the_entry_and_the_field_never_a_secret(
    tmp_path: Path, directory: UnitDirectory, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ContactsError, match=expected) as error:
        load_contacts(path, directory)
    assert str(error.value).startswith(f"{path}: ")
    assert SECRET not in str(error.value)


def test_a_missing_file_is_named(tmp_path: Path, directory: UnitDirectory) -> None:
    with pytest.raises(ContactsError, match="the contacts file does not exist"):
        load_contacts(tmp_path / "nope.yaml", directory)
